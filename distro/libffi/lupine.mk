# libffi for x86_64-linux-gnu without autotools (upstream's git archive has no configure): the
# sources, flags and version script that libffi's Makefile.am builds for TARGET=X86_64, by hand.
# make -f lupine.mk VERSION=3.8.0 && make -f lupine.mk install DESTDIR=...
VERSION ?= 0
CC ?= cc
CFLAGS ?= -O2 -g0
PREFIX = /usr
LIBDIR = $(PREFIX)/lib
# libtool-version is current:revision:age; the soname is lib<name>.so.(current - age)
LTV := $(shell grep -v '^\#' libtool-version)
LT_CUR := $(word 1,$(subst :, ,$(LTV)))
LT_REV := $(word 2,$(subst :, ,$(LTV)))
LT_AGE := $(word 3,$(subst :, ,$(LTV)))
MAJOR := $(shell echo $$(($(LT_CUR) - $(LT_AGE))))
SOVER := $(MAJOR).$(LT_AGE).$(LT_REV)
VMAJ := $(word 1,$(subst ., ,$(VERSION)))
VMIN := $(word 2,$(subst ., ,$(VERSION)))
VMIC := $(word 3,$(subst ., ,$(VERSION)))

SRCS = src/prep_cif.c src/types.c src/raw_api.c src/java_raw_api.c src/closures.c src/tramp.c \
  src/x86/ffi64.c src/x86/unix64.S src/x86/ffiw64.c src/x86/win64.S
OBJS = $(patsubst %,build/%.o,$(SRCS))
CPPFLAGS = -Ibuild -Ibuild/include -Iinclude -Isrc -Isrc/x86
FLAGS = $(CFLAGS) -fPIC -fexceptions -Wall

all: build/libffi.so.$(SOVER) build/libffi.pc

build/fficonfig.h: fficonfig.h.lupine
	mkdir -p build/include
	sed 's/^#define PACKAGE "libffi"$$/&\n#define VERSION "$(VERSION)"\n#define PACKAGE_VERSION "$(VERSION)"/' $< > $@

build/include/ffi.h: include/ffi.h.in build/fficonfig.h
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@TARGET@/X86_64/' -e 's/@HAVE_LONG_DOUBLE@/1/' \
	  -e 's/@FFI_EXEC_TRAMPOLINE_TABLE@/0/' -e 's/@FFI_VERSION_STRING@/$(VERSION)/' \
	  -e "s/@FFI_VERSION_NUMBER@/$$(($(VMAJ) * 10000 + $(VMIN) * 100 + $(VMIC)))/" $< > $@
	if grep -n '@[A-Z_]*@' $@; then echo 'ffi.h: a substitution is missing' >&2; exit 1; fi
	cp src/x86/ffitarget.h build/include/ffitarget.h

build/libffi.map: libffi.map.in build/include/ffi.h
	$(CC) $(CPPFLAGS) -P -E -x assembler-with-cpp -o $@ $<

build/%.c.o: %.c build/include/ffi.h
	mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(FLAGS) -c $< -o $@

build/%.S.o: %.S build/include/ffi.h
	mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(FLAGS) -c $< -o $@

build/libffi.so.$(SOVER): $(OBJS) build/libffi.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,libffi.so.$(MAJOR) -Wl,--version-script,build/libffi.map \
	  -Wl,-z,noexecstack -o $@ $(OBJS)

build/libffi.pc: libffi.pc.in
	mkdir -p build
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@exec_prefix@|$${prefix}|' -e 's|@libdir@|$(LIBDIR)|' \
	  -e 's|@toolexeclibdir@|$${libdir}|' -e 's|@includedir@|$${prefix}/include|' \
	  -e 's|@PACKAGE_NAME@|libffi|' -e 's|@PACKAGE_VERSION@|$(VERSION)|' $< > $@

# busybox has no install(1)
install: all
	mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man3
	cp build/libffi.so.$(SOVER) $(DESTDIR)$(LIBDIR)/
	chmod 0755 $(DESTDIR)$(LIBDIR)/libffi.so.$(SOVER)
	ln -sf libffi.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libffi.so.$(MAJOR)
	ln -sf libffi.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libffi.so
	cp build/libffi.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	cp build/include/ffi.h build/include/ffitarget.h $(DESTDIR)$(PREFIX)/include/
	cp man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/libffi.pc $(DESTDIR)$(PREFIX)/include/*.h \
	  $(DESTDIR)$(PREFIX)/share/man/man3/*.3

.PHONY: all install
