# Mozilla's certdata.txt (NSS's built-in root store, as Debian's ca-certificates source carries it)
# to a PEM bundle, with busybox awk: what Debian's certdata2pem.py selects, without python.
#
#   awk -f certdata2pem.awk mozilla/blacklist.txt mozilla/certdata.txt > ca-certificates.crt
#
# A certificate is in the bundle when a CKO_NSS_TRUST object with its label trusts it for server
# authentication (CKA_TRUST_SERVER_AUTH CKT_NSS_TRUSTED_DELEGATOR) and blacklist.txt does not name
# that label. Certificates come out in certdata.txt's order, each as "# LABEL" and its PEM block.
# Exit status 2 when certdata.txt is not what this script understands (an object cut short, a
# certificate without its DER value), so a changed format fails the build instead of a short bundle.

BEGIN {
  b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  for (i = 0; i < 8; i++) octal[i ""] = i
}

FILENAME ~ /blacklist\.txt$/ {
  sub(/#[^"]*$/, "")
  gsub(/^[ \t]+|[ \t]+$/, "")
  if ($0 != "") black[$0] = 1
  next
}

!data { if ($0 ~ /^BEGINDATA/) data = 1; next }
/^#/ { next }

inml {
  if ($0 ~ /^END/) { inml = 0; obj[field] = val; next }
  gsub(/[ \t]/, "")
  val = val $0
  next
}

/^[ \t]*$/ { if (inobj) flush(); next }

{
  if ($1 == "CKA_CLASS") inobj = 1
  field = $1
  if ($2 == "MULTILINE_OCTAL") { inml = 1; val = ""; next }
  v = $0
  sub(/^[ \t]*[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", v)
  obj[field] = v
}

function flush() {
  if (obj["CKA_CLASS"] == "CKO_CERTIFICATE") {
    if (obj["CKA_VALUE"] == "") fail("certificate " obj["CKA_LABEL"] " has no CKA_VALUE")
    n++
    label[n] = obj["CKA_LABEL"]
    der[n] = obj["CKA_VALUE"]
  } else if (obj["CKA_CLASS"] == "CKO_NSS_TRUST") {
    if (obj["CKA_TRUST_SERVER_AUTH"] == "CKT_NSS_TRUSTED_DELEGATOR" && !(obj["CKA_LABEL"] in black))
      trusted[obj["CKA_LABEL"]] = 1
  }
  split("", obj)
  inobj = 0
}

function fail(msg) {
  print "certdata2pem.awk: " msg > "/dev/stderr"
  failed = 1
  exit 2
}

# "\060\202\005..." (certdata's octal escapes) to base64, 64 characters a line
function pem(s,    parts, m, i, k, bytes, nb, v, out, line) {
  m = split(s, parts, "\\")
  nb = 0
  for (i = 2; i <= m; i++) {
    if (parts[i] !~ /^[0-3][0-7][0-7]$/) fail("not an octal escape: \\" parts[i])
    bytes[nb++] = octal[substr(parts[i], 1, 1)] * 64 + octal[substr(parts[i], 2, 1)] * 8 + octal[substr(parts[i], 3, 1)]
  }
  out = ""
  line = ""
  for (k = 0; k < nb; k += 3) {
    v = bytes[k] * 65536 + (k + 1 < nb ? bytes[k + 1] * 256 : 0) + (k + 2 < nb ? bytes[k + 2] : 0)
    line = line substr(b64, int(v / 262144) % 64 + 1, 1) substr(b64, int(v / 4096) % 64 + 1, 1)
    line = line (k + 1 < nb ? substr(b64, int(v / 64) % 64 + 1, 1) : "=")
    line = line (k + 2 < nb ? substr(b64, v % 64 + 1, 1) : "=")
    if (length(line) == 64) { out = out line "\n"; line = "" }
  }
  if (line != "") out = out line "\n"
  return out
}

END {
  if (failed) exit 2
  if (inml) fail("certdata.txt ends inside a MULTILINE_OCTAL value")
  if (inobj) flush()
  for (i = 1; i <= n; i++) {
    if (!(label[i] in trusted)) continue
    l = label[i]
    gsub(/^"|"$/, "", l)
    printf "# %s\n-----BEGIN CERTIFICATE-----\n%s-----END CERTIFICATE-----\n", l, pem(der[i])
  }
}
