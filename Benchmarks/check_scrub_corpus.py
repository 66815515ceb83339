#!/usr/bin/env python3
"""Sanity of the scrub corpora written by gen_scrub_corpus.py (of the corpora, not of the product).

    python3 Benchmarks/check_scrub_corpus.py Tests/Fixtures/scrub/control-urls.tsv \\
        Tests/Fixtures/scrub/planted-urls.tsv Tests/Fixtures/scrub/landings.tsv

Checks written apart from the generator's own rejection rules: every URL fits in a combined log line's
"GET URL HTTP/1.1" (no blank, tab, quote, backslash, newline or non-ASCII byte); control URLs hold no e-mail
with a real top-level domain, no Luhn-valid number with a card issuer's prefix and length, no valid IBAN, no
dotted quad outside a version, no SSN/NINO/DNI/NIR shape, no phone number; planted VALUEs occur literally in
their URL and nowhere else in it, and the identifiers carry valid check digits; landing pieces occur literally.
Exits 1 with the offending lines on any failure."""
import base64
import binascii
import collections
import re
import sys
from urllib.parse import unquote

BAD_CHARS = re.compile(r'[\s"\\]|[^\x21-\x7e]')
TLDS = set("com org net edu gov io co info biz me app dev ai xyz shop online site store tech email zip mov".split())


def real_tld(t):
    return (len(t) == 2 and t.isalpha()) or t.lower() in TLDS


def luhn(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        n = int(c) * (2 if i % 2 else 1)
        s += n - 9 if n > 9 else n
    return s % 10 == 0


def card_issuer(d):
    n = len(d)
    p = lambda *xs: any(d.startswith(x) for x in xs)                      # noqa: E731
    return ((p("4") and n in (13, 16, 19)) or (p("51", "52", "53", "54", "55") and n == 16)
            or (2221 <= int(d[:4]) <= 2720 and n == 16) or (p("34", "37") and n == 15)
            or (p("6011", "65", "644", "645", "646", "647", "648", "649") and n == 16)
            or (3528 <= int(d[:4]) <= 3589 and 16 <= n <= 19) or (p("36", "38", "300", "301", "302", "303", "304", "305") and n == 14)
            or (p("62") and 16 <= n <= 19) or (p("50", "56", "57", "58", "6") and 12 <= n <= 19)
            or (p("2200", "2201", "2202", "2203", "2204") and n == 16))


IBAN_LEN = dict(AT=20, BE=16, CH=21, DE=22, DK=18, ES=24, FI=18, FR=27, GB=22, IE=22, IT=27, LU=20, NL=18, NO=15,
                PL=28, PT=25, SE=24, AE=23, AD=24, BG=22, CZ=24, GR=27, HR=21, HU=28, RO=24, SK=24, SI=19, MT=31)


def iban_valid(s):
    s = s.upper()
    if IBAN_LEN.get(s[:2]) != len(s) or not s[2:4].isdigit():
        return False
    return int("".join(str(int(c, 36)) for c in s[4:] + s[:4])) % 97 == 1


def control_issues(url):
    bad = []
    for m in re.finditer(r"(?:@|%40)[A-Za-z0-9.-]*\.([A-Za-z]{2,})(?![A-Za-z0-9])", url):
        if real_tld(m.group(1)):
            bad.append("e-mail " + m.group(0))
    for m in re.finditer(r"\d[\d+\- ]*\d|\d(?:(?:%20)?\d)+", url):
        for run in (re.sub(r"\D", "", m.group(0).replace("%20", "")), *re.findall(r"\d+", m.group(0))):
            if 12 <= len(run) <= 19 and luhn(run) and card_issuer(run):
                bad.append("card " + run)
    for m in re.finditer(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}(?![A-Za-z0-9])", url):
        if iban_valid(m.group(0)):
            bad.append("IBAN " + m.group(0))
    for m in re.finditer(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d]|\.\d)", url):
        before = url[:m.start()]
        if not re.search(r"(?:[?&](?:v|ver|version)=|/downloads/|/download/v|/dist/v|/files/|node-v|app-|_)$", before[-20:]):
            bad.append("IPv4 " + m.group(0))
    if re.search(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)", url):
        bad.append("SSN shape")
    if re.search(r"(?<![A-Za-z0-9])(?![A-Za-z]?[DFIQUV])[A-Za-z](?![DFIQUVOdfiquvo])[A-Za-z]\d{6}[A-Da-d](?![A-Za-z0-9])", url):
        bad.append("NINO shape")
    for m in re.finditer(r"(?<![A-Za-z0-9])(\d{8})-?([A-Za-z])(?![A-Za-z0-9])", url):
        if "TRWAGMYFPDXBNJZSQVHLCKE"[int(m.group(1)) % 23] == m.group(2).upper():
            bad.append("DNI " + m.group(0))
    for m in re.finditer(r"(?<!\d)([12]\d{12})(\d{2})(?!\d)", url):
        if 97 - int(m.group(1)) % 97 == int(m.group(2)) and 1 <= int(m.group(1)[3:5]) <= 12:
            bad.append("NIR " + m.group(0))
    for m in re.finditer(r"(?:\+|%2B)(?:\d|%20|[ .\-+])+", url, re.I):
        if len(re.sub(r"\D", "", m.group(0).replace("%20", "").upper().replace("%2B", ""))) >= 8:
            bad.append("phone " + m.group(0))
    if re.search(r"(?<!\d)0[1-9](?:(?:%20|[ .+\-])\d\d){4}(?!\d)", url):
        bad.append("national phone")
    return bad


def value_issues(cat, url, values):
    bad = []
    digits = lambda v: re.sub(r"\D", "", v.replace("%20", " ").replace("%2B", "+"))      # noqa: E731
    for v in values:
        if cat == "card" and not (luhn(digits(v)) and card_issuer(digits(v))):
            bad.append("card check " + v)
        if cat == "iban" and not iban_valid(re.sub(r"\+|%20", "", v)):
            bad.append("iban check " + v)
        if cat == "nid-nir":
            d = re.sub(r"\+|%20", "", v).replace("2A", "19").replace("2B", "18")
            if len(d) != 15 or 97 - int(d[:13]) % 97 != int(d[13:]):
                bad.append("NIR key " + v)
        if cat == "nid-dni":
            d = v.replace("-", "")
            n = d[:-1].replace("X", "0").replace("Y", "1").replace("Z", "2")
            if "TRWAGMYFPDXBNJZSQVHLCKE"[int(n) % 23] != d[-1]:
                bad.append("DNI letter " + v)
        if cat == "nid-bsn" and (sum((9 - i) * int(c) for i, c in enumerate(v[:8])) - int(v[8])) % 11:
            bad.append("BSN 11-test " + v)
        if cat == "nid-ssn":
            d = v.replace("-", "")
            if len(d) != 9 or d[:3] in ("000", "666") or d[0] == "9" or d[3:5] == "00" or d[5:] == "0000":
                bad.append("SSN rules " + v)
        if cat == "nid-nino":
            d = re.sub(r"\+|%20", "", v)
            if not re.fullmatch(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]", d) or d[:2] in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"):
                bad.append("NINO rules " + v)
        if cat in ("email-b64", "email-b64url", "email-json-b64", "email-hex"):
            raw = unquote(v)
            try:
                text = binascii.unhexlify(raw).decode() if cat == "email-hex" else \
                    base64.b64decode(raw.replace("-", "+").replace("_", "/") + "=" * (-len(raw) % 4)).decode()
            except (ValueError, UnicodeDecodeError):
                text = ""
            if not re.search(r"@[\w.-]+\.[a-z]{2,}", text):
                bad.append("encoded e-mail does not decode " + v)
    rest = url
    for v in sorted(values, key=len, reverse=True):
        if v not in url:
            bad.append("VALUE not literally in URL " + v)
        rest = rest.replace(v, "\0")
    for v in values:
        if v.lower() in rest.lower() or unquote(v).lower() in unquote(rest).lower():
            bad.append("VALUE also elsewhere in URL " + v)
    return bad


def main(control, planted, landings):
    fails = []
    rows = [l.rstrip("\n").split("\t") for l in open(control, encoding="ascii")]
    urls = [r[0] for r in rows]
    kinds = collections.Counter(r[1].split(":")[0] for r in rows if len(r) == 2)
    if len(set(urls)) != len(urls) or len(urls) < 3000:
        fails.append("control: %d URLs, %d distinct (want >= 3000 distinct)" % (len(urls), len(set(urls))))
    share = kinds["homonym"] / max(1, len(rows))
    if not 0.05 <= share <= 0.10:
        fails.append("control: homonym share %.3f outside 5-10%%" % share)
    for r in rows:
        if len(r) != 2 or not re.fullmatch(r"plain|homonym:[\w-]+", r[1]):
            fails.append("control: bad line %r" % r)
            continue
        if r[1].startswith("homonym:") and not re.search(r"[?&]%s=" % re.escape(r[1][8:]), r[0]):
            fails.append("control: homonym name not in URL %s" % r[0])
        for why in (["blank/quote/non-ASCII"] if BAD_CHARS.search(r[0]) else []) + control_issues(r[0]):
            fails.append("control: %s: %s" % (why, r[0]))
    prow = [l.rstrip("\n").split("\t") for l in open(planted, encoding="ascii")]
    purls = [r[0] for r in prow]
    if len(set(purls)) != len(purls) or len(purls) < 600:
        fails.append("planted: %d URLs, %d distinct (want >= 600 distinct)" % (len(purls), len(set(purls))))
    cats = collections.Counter(r[1] for r in prow)
    oor = sum(c for k, c in cats.items() if k.startswith("out-of-reach:"))
    if oor > 0.05 * len(prow):
        fails.append("planted: %d out-of-reach rows (> 5%%)" % oor)
    for r in prow:
        if len(r) < 3 or BAD_CHARS.search(r[0]):
            fails.append("planted: bad line %r" % r[:2])
            continue
        for why in value_issues(r[1], r[0], r[2:]):
            fails.append("planted: %s: %s" % (why, r[0]))
    nested = {r[0]: r[2:] for r in prow if r[1] == "nested-url"}
    lrows = [l.rstrip("\n").split("\t") for l in open(landings, encoding="ascii")]
    for url, text in lrows:
        if url not in nested or text not in url or any(text in v or v in text for v in nested[url]):
            fails.append("landings: %s: %s" % (text, url))
    if set(nested) - {u for u, _t in lrows}:
        fails.append("landings: nested rows without a landing piece")
    print("control: %d URLs (%d homonyms, %.1f%%)" % (len(rows), kinds["homonym"], 100 * share))
    print("planted: %d URLs, %d categories, %d out-of-reach; landings: %d pieces" % (len(prow), len(cats), oor, len(lrows)))
    for f in fails[:50]:
        print("FAIL " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
