# expat for x86_64-linux-gnu without autotools or CMake (upstream's git archive has no configure):
# the library and xmlwf as expat's CMakeLists.txt builds them with its defaults, by hand.
# In the source's expat/ folder: make -f ../lupine.mk VERSION=2.8.3 && make -f ../lupine.mk install DESTDIR=...
HERE := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
VERSION ?= 0
CC ?= cc
CFLAGS ?= -O2 -g0
PREFIX = /usr
LIBDIR = $(PREFIX)/lib
# LIBCURRENT/LIBREVISION/LIBAGE from configure.ac; the soname is libexpat.so.(current - age)
lt = $(shell sed -n 's/^$(1)=\([0-9]*\).*/\1/p' configure.ac)
LT_CUR := $(call lt,LIBCURRENT)
LT_REV := $(call lt,LIBREVISION)
LT_AGE := $(call lt,LIBAGE)
MAJOR := $(shell echo $$(($(LT_CUR) - $(LT_AGE))))
SOVER := $(MAJOR).$(LT_AGE).$(LT_REV)

LIB_OBJS = build/lib/xmlparse.o build/lib/xmlrole.o build/lib/xmltok.o build/lib/random_getrandom.o \
  build/lib/random_dev_urandom.o
XMLWF_OBJS = build/xmlwf/xmlwf.o build/xmlwf/xmlfile.o build/xmlwf/codepage.o build/xmlwf/unixfilemap.o
CPPFLAGS = -Ibuild -Ilib -DHAVE_EXPAT_CONFIG_H -D_GNU_SOURCE
FLAGS = $(CFLAGS) -fPIC -fno-strict-aliasing -fvisibility=hidden -DXML_ENABLE_VISIBILITY=1 -Wall

all: build/libexpat.so.$(SOVER) build/xmlwf.bin build/expat.pc

build/expat_config.h: $(HERE)expat_config.h.lupine
	mkdir -p build
	sed 's/^#  define PACKAGE_URL ""$$/&\n#  define PACKAGE_VERSION "$(VERSION)"\n#  define PACKAGE_STRING "expat $(VERSION)"/' $< > $@

build/libexpat.map: lib/libexpat.map.in
	mkdir -p build
	sed -e 's/@_EXPAT_COMMENT_DTD_OR_GE@/ /' -e 's/@_EXPAT_COMMENT_ATTR_INFO@/#/' $< > $@
	if grep -n '@[A-Z_]*@' $@; then echo 'libexpat.map: a substitution is missing' >&2; exit 1; fi

build/%.o: %.c build/expat_config.h
	mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(FLAGS) -c $< -o $@

build/libexpat.so.$(SOVER): $(LIB_OBJS) build/libexpat.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,libexpat.so.$(MAJOR) -Wl,--version-script,build/libexpat.map \
	  -o $@ $(LIB_OBJS) -lm
	ln -sf libexpat.so.$(SOVER) build/libexpat.so

build/xmlwf.bin: $(XMLWF_OBJS) build/libexpat.so.$(SOVER)
	$(CC) $(CFLAGS) -o $@ $(XMLWF_OBJS) -Lbuild -lexpat

build/expat.pc: expat.pc.in
	mkdir -p build
	sed -e 's|@prefix@|$(PREFIX)|' -e 's|@exec_prefix@|$${prefix}|' -e 's|@libdir@|$(LIBDIR)|' \
	  -e 's|@includedir@|$${prefix}/include|' -e 's|@PACKAGE_NAME@|expat|g' \
	  -e 's|@PACKAGE_VERSION@|$(VERSION)|' -e 's|@LIBM@|-lm|' $< > $@

# busybox has no install(1)
install: all
	mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	cp build/libexpat.so.$(SOVER) $(DESTDIR)$(LIBDIR)/
	chmod 0755 $(DESTDIR)$(LIBDIR)/libexpat.so.$(SOVER)
	ln -sf libexpat.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libexpat.so.$(MAJOR)
	ln -sf libexpat.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libexpat.so
	cp build/expat.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	# expat_config.h too, as upstream's CMakeLists.txt installs it: CPython's pyexpat.c includes it
	cp lib/expat.h lib/expat_external.h build/expat_config.h $(DESTDIR)$(PREFIX)/include/
	cp build/xmlwf.bin $(DESTDIR)$(PREFIX)/bin/xmlwf
	chmod 0755 $(DESTDIR)$(PREFIX)/bin/xmlwf
	chmod 0644 $(DESTDIR)$(LIBDIR)/pkgconfig/expat.pc $(DESTDIR)$(PREFIX)/include/*.h

.PHONY: all install
