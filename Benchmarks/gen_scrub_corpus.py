#!/usr/bin/env python3
"""Seeded corpora for the scrub stage, built from the URL shapes of real sites (issue 15).

Writes any of:

* ``--control FILE``: URLs without personal data, ``URL<TAB>KIND``; KIND is ``plain``, or ``homonym:NAME`` when
  a parameter whose name is on a typical deny list carries ordinary data (``code=SUMMER20``, ``state=CA``...).
* ``--planted FILE``: URLs carrying personal data, ``URL<TAB>CATEGORY<TAB>VALUE[<TAB>VALUE...]``; every VALUE is
  the literal substring of the URL that must not survive scrubbing (neither raw nor percent-decoded).
  CATEGORY ``out-of-reach:*`` marks the kinds the README documents as not handled.
* ``--landings FILE``: for the nested-URL rows of the planted corpus, ``URL<TAB>TEXT`` where TEXT is a literal
  piece of the nested landing URL that must survive (its host and path, an ordinary pair beside the personal one).
* ``--log FILE --lines N``: a query-heavy nginx ``combined`` access log: every request has a query string,
  referrers are search, social and internal URLs with queries, about ``--planted-share`` (1%) of lines carry
  planted personal data. Same line shape as gen_access_log.py.

Everything is a deterministic function of ``--seed`` (and ``--lines``), for a given CPython 3.9+; each output
uses its own random stream, so ``--planted`` alone writes the same file as ``--planted`` with the others.
Python standard library only. Example (the committed fixtures)::

    python3 Benchmarks/gen_scrub_corpus.py --seed 1 \\
        --control Tests/Fixtures/scrub/control-urls.tsv \\
        --planted Tests/Fixtures/scrub/planted-urls.tsv \\
        --landings Tests/Fixtures/scrub/landings.tsv

Sources for the URL shapes (looked up with the project's search tool; the values here are synthetic):

* Google result-click referrer ``/url?sa=t&rct=j&q=&esrc=s&source=web&cd=&ved=...&url=...&usg=AOvVaw...``:
  http://www.t75.org/2012/06/deconstructing-googles-url-search-parameters/ ,
  https://qforquery.com/post/parsing-the-google-referral-string-in-a-post-not-provided-world/ ,
  http://bowdeni.com/how-google-blocks-the-keyword-in-the-referrer/471/
* Bing ``/search?q=...&form=QBLH&sp=-1&lq=0&pq=...&sc=10-4&qs=n&sk=&cvid=<32 HEX>&ghsh=0&ghacc=0&ghpl=``: seen in
  public code (find_string "&form=QBLH&sp=-1"), e.g. scripts that open or log Bing result pages
* Bing ``cc`` (2-letter country code) parameter: https://learn.microsoft.com/fi-fi/bing/search-apis/bing-entity-search/reference/query-parameters
* Facebook link shim ``l.facebook.com/l.php?u=...``, ``fbclid``, ``mibextid``: https://cleanlinks.app/en/facebook-link-cleaner ,
  https://stackoverflow.com/questions/52847475/what-is-fbclid-the-new-facebook-parameter
* Shopify ``/products/<handle>?variant=<id>``: https://shopify.dev/docs/storefronts/hydrogen/products ,
  https://developers.boostcommerce.io/library/packages/widget-integration-(client)/widget-integration.filterhelper.buildproductdetailurlwithvariant
* WooCommerce ``?add-to-cart=ID&quantity=N&variation_id=...&attribute_pa_x=...``:
  https://gist.github.com/mikaelz/0b4bf4d61369ddb6206d6b5794105066 ,
  https://ve.wordpress.org/plugins/add-multiple-products-to-cart-via-url-for-woocommerce/
* Magento ``/checkout/cart/add/uenc/<base64 of the referrer, '=' as ','>/product/<id>/``:
  https://codesec18.rssing.com/chan-65166026/article4361.html
* PrestaShop ``index.php?id_category=...&controller=category&id_lang=2``: https://okai.be/inside-prestashop-seo-friendly-urls-1-2/
* WordPress REST ``/wp-json/wp/v2/posts?per_page=..&_embed``: https://teamtreehouse.com/community/wordpress-rest-api-not-returning-all-the-posts-in-the-website ,
  https://gist.github.com/ocws-gh/41300e026c25316d9c9c437f2a4cba1e ; reset link ``wp-login.php?action=rp&key=..&login=..``:
  https://wp-kama.com/function/get_password_reset_key
* MediaWiki ``index.php?title=..&action=edit``, ``curid``, ``diff``/``oldid``: https://www.mediawiki.org/wiki/Manual:Parameters_to_index.php/cs
* imgix ``w, h, fit=crop, auto=format, q, dpr, s``: https://pypi.org/pypi/imgix , https://pub.dev/packages/imgix/example
* Cloudinary ``/<cloud>/image/upload/c_fill,g_auto,w_400,h_300/f_auto/q_auto/v<version>/<id>.jpg``:
  https://cloudinary.com/documentation/cloudinary_transformation_rules ,
  https://github.com/readonlychild/astro-ixmage/blob/master/docs/cloudinary.md
* Google Analytics linker ``_gl=1*dm649n*_ga*...``: https://github.com/analytics-debugger/google-tag-linker
* GraphQL over HTTP GET ``query=..&variables=<JSON>&operationName=..``: https://Graphql.org/learn/serving-over-http/ ,
  https://www.dgraph.io/graphql/graphql-clients/endpoint/graphql-get-request
* Firebase e-mail action links ``mode=resetPassword&oobCode=..&apiKey=..&continueUrl=..&lang=fr``:
  https://firebase.google.com/docs/auth/custom-email-handler
* Mailchimp ``mc_cid``/``mc_eid``: https://urleditor.online/guides/mailchimp , https://linkclean.app/trackers/mc-eid/ ;
  HubSpot ``_hsenc=p2ANqtz-..&_hsmi=..``: https://linkclean.app/trackers/hsenc/ ; Marketo ``mkt_tok``:
  https://nation.marketo.com/thread/28893-whats-the-use-of-mkttok-in-emails
* ASP.NET cookieless session ``/(S(<24 chars a-z0-5>))/``:
  https://www.oreilly.com/library/view/professional-aspnet-35/9780470379301/9780470379301_using_cookieless_forms_authentication.html ;
  osCommerce ``osCsid=<32 hex>``: http://www.aptcode.com/help/oscsid-link-danger.html ; ColdFusion ``CFID``/``CFTOKEN``:
  https://docs.lucee.org/reference/functions/urlsessionformat.html , https://docs.squirrelscan.com/rules/url/session-ids
* SAML artifact ``SAMLart=..&RelayState=..`` (``TARGET``): https://docs.oracle.com/cd/E19461-01/819-2142/admfh/index.html ;
  WS-Federation ``wa=wsignin1.0&wtrealm=..&wctx=..&wreply=..``:
  https://learn.microsoft.com/en-us/dotNet/API/system.identitymodel.services.signinrequestmessage?view=netframework-4.7.2
* French NIR key ``97 - (13 digits mod 97)``, Corsica 2A/2B as 19/18:
  https://www.comptavoo.com/Verifier-et-decomposer-un-numero-de-securite-sociale,1070.html
* Dutch BSN 11-test (weights 9..2, -1): https://www.calaris.nl/index.php/tips/algemeen/37-bsn-11-proef-valideren
* UK NINO prefixes/suffix: http://www.hmrc.gov.uk/manuals/nimmanual/NIM39110.htm ,
  https://library.croneri.co.uk/cch_uk/irm/nim-nim39110
* US SSN never-issued ranges (000, 666, 900-999, group 00, serial 0000): https://liquisearch.com/social_security_number/valid_ssns
* Spanish DNI letter ``TRWAGMYFPDXBNJZSQVHLCKE[n % 23]``: https://www.dniletra.com/
* IBAN lengths per country and mod 97: https://support.currencycloud.com/hc/en-gb/articles/360017418760-IBAN-Formats-by-Country ,
  https://RosettaCode.org/wiki/IBAN
* Card issuer prefixes and lengths: https://errorhandle.ai/get-the-credit-card-type-based-on-number ,
  http://wikipayments.org/2014/04/25/the-meaning-behind-a-bank-cards-numbers
"""

import argparse
import base64
import datetime as dt
import hashlib
import ipaddress
import json
import random
import re
import sys
from urllib.parse import quote, quote_plus

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"
LOWER = "abcdefghijklmnopqrstuvwxyz"
UPPER = LOWER.upper()
DIGITS = "0123456789"


def tok(r, n, alphabet=ALNUM):
    return "".join(r.choice(alphabet) for _ in range(n))


def hexs(r, n):
    return "%0*x" % (n, r.getrandbits(4 * n))


def enc(s):
    """Percent-encode everything but unreserved characters (what encodeURIComponent does, minus !'()*)."""
    return quote(s, safe="")


def enc_q(s):
    """Form encoding: blanks as '+' (what an HTML form GET does)."""
    return quote_plus(s, safe="")


def uuid4(r):
    h = hexs(r, 32)
    return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], r.choice("89ab"), h[17:20], h[20:])


def luhn_ok(digits):
    total, alt = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if alt:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        alt = not alt
    return total % 10 == 0


def luhn_complete(partial):
    for d in DIGITS:
        if luhn_ok(partial + d):
            return partial + d
    raise AssertionError


def ean13_complete(d12):
    s = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(d12))
    return d12 + str((10 - s % 10) % 10)


def isbn10_complete(d9):
    s = sum((10 - i) * int(c) for i, c in enumerate(d9))
    c = (11 - s % 11) % 11
    return d9 + ("X" if c == 10 else str(c))


# Issuer prefixes and lengths (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir).
CARD_ISSUERS = (
    ("visa", ("4",), (16, 16, 16, 13, 19)),
    ("mastercard", tuple(str(p) for p in range(51, 56)), (16,)),
    ("mastercard2", tuple(str(p) for p in range(2221, 2721)), (16,)),
    ("amex", ("34", "37"), (15,)),
    ("discover", ("6011", "65") + tuple(str(p) for p in range(644, 650)), (16,)),
    ("jcb", tuple(str(p) for p in range(3528, 3590)), (16,)),
    ("diners", ("36", "38", "300", "301", "302", "303", "304", "305"), (14,)),
    ("unionpay", ("62",), (16, 19)),
    ("maestro", ("5018", "5020", "5038", "6304", "6759", "6761", "6762", "6763"), (16, 19)),
    ("mir", ("2200", "2201", "2202", "2203", "2204"), (16,)),
)
# Broad table for the control sanity check: any of these with the Luhn check is taken for a card.
CARD_LENGTHS_BY_PREFIX = []
for _n, _pfx, _lens in CARD_ISSUERS:
    for _p in _pfx:
        CARD_LENGTHS_BY_PREFIX.append((_p, set(_lens) | ({12, 13, 14, 15, 16, 17, 18, 19} if _n == "maestro" else set())))
for _p in ("50",) + tuple(str(p) for p in range(56, 70)):      # Maestro 50 and 56-69, 12-19 digits
    CARD_LENGTHS_BY_PREFIX.append((_p, set(range(12, 20))))


def looks_like_card(digits):
    if not 12 <= len(digits) <= 19 or not luhn_ok(digits):
        return False
    return any(digits.startswith(p) and len(digits) in lens for p, lens in CARD_LENGTHS_BY_PREFIX)


IBAN_LENGTHS = {"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
                "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
                "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
                "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
                "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
                "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
                "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29,
                "VG": 24, "XK": 20}


def _iban_num(s):
    return int("".join(str(int(c, 36)) for c in s))


def iban_ok(s):
    s = s.upper()
    return (len(s) >= 5 and s[:2] in IBAN_LENGTHS and len(s) == IBAN_LENGTHS[s[:2]] and s[2:4].isdigit()
            and s.isalnum() and _iban_num(s[4:] + s[:4]) % 97 == 1)


def iban_make(cc, bban):
    check = 98 - _iban_num(bban + cc + "00") % 97
    return "%s%02d%s" % (cc, check, bban)


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def bsn_ok(d):
    return len(d) == 9 and d.isdigit() and d != "000000000" and \
        (sum((9 - i) * int(c) for i, c in enumerate(d[:8])) - int(d[8])) % 11 == 0


def nir_key(d13):
    n = int(d13.replace("2A", "19").replace("2B", "18"))
    return "%02d" % (97 - n % 97)


NINO_BAD_FIRST = set("DFIQUV")
NINO_BAD_SECOND = set("DFIQUVO")
NINO_BAD_PAIRS = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

# Real top-level domains: every 2-letter label (country codes, kept broad on purpose) and common generic ones.
GENERIC_TLDS = set("""com org net edu gov mil int info biz name pro aero coop museum mobi asia jobs tel travel cat xxx
io app dev ai xyz online site shop store tech blog cloud email live news page link top club art design agency
digital media network solutions studio systems tools space world zone today life company center email group
website web fun one love guru ninja rocks social team work works services finance money bank insurance legal
health care london paris berlin tokyo nyc amsterdam wien brussels barcelona madrid quebec swiss
zip mov""".split())


def is_real_tld(label):
    label = label.lower()
    return (len(label) == 2 and label.isalpha()) or label in GENERIC_TLDS


# --------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------

WORDS = ("summer", "dress", "linen", "shirt", "running", "shoes", "trail", "jacket", "wool", "coat", "leather",
         "boots", "coffee", "grinder", "espresso", "machine", "kettle", "desk", "lamp", "oak", "chair", "sofa",
         "garden", "hose", "solar", "panel", "backpack", "tent", "bike", "helmet", "phone", "case", "charger",
         "cable", "usb", "keyboard", "mouse", "monitor", "laptop", "stand", "headphones", "wireless", "speaker",
         "camera", "lens", "tripod", "book", "novel", "poster", "print", "mug", "candle", "soap", "shampoo",
         "organic", "tea", "matcha", "chocolate", "gift", "card", "wallet", "watch", "strap", "ring", "silver",
         "gold", "blue", "black", "white", "green", "red", "small", "large", "kids", "women", "men", "vintage",
         "classic", "pro", "mini", "max", "ultra", "lite", "eco", "bamboo", "cotton", "merino", "waterproof")
TOPICS = ("nginx", "logs", "privacy", "gdpr", "swift", "linux", "kubernetes", "docker", "postgres", "backup",
          "retention", "ipv6", "dns", "tls", "certificates", "monitoring", "grafana", "prometheus", "release",
          "notes", "changelog", "pricing", "roadmap", "security", "performance", "tuning", "install", "guide",
          "faq", "api", "webhooks", "billing", "invoices", "shipping", "returns", "sizing", "recipes", "travel",
          "hiking", "photography", "gardening", "cycling", "football", "elections", "weather", "climate")
QUERIES = ("swift logs", "bearer token a", "how to rotate nginx logs", "reset password not working",
           "email marketing tips", "phone case iphone 15", "credit card fees abroad", "best running shoes 2024",
           "C++ tutorial", "100% cotton shirt", "linen dress summer", "coffee grinder burr vs blade",
           "gdpr log retention", "ip address lookup", "what is my user agent", "session timeout php",
           "token bucket rate limit", "oauth state parameter", "ssn format", "iban vs swift",
           "chaussures femme", "m\u00fcnchen wetter", "recette cr\u00eapes", "zapatillas running", "pizza napoletana",
           "fietsen kopen", "\u65e5\u672c \u65c5\u884c", "\u043a\u0443\u043f\u0438\u0442\u044c \u0432\u0435\u043b\u043e\u0441\u0438\u043f\u0435\u0434",
           "kubernetes ingress annotations", "postgres vacuum", "bike helmet mips", "tent 2 person ultralight",
           "matcha latte recipe", "usb c cable 240w", "monitor arm", "vintage leather boots", "weather berlin",
           "train tickets paris lyon", "flights to lisbon", "hotel near me", "open source analytics",
           "address book app", "name generator", "card games for two", "state of the art", "code review checklist",
           "session beer", "key lime pie", "ticket prices", "cc licence images", "auth0 vs keycloak")
HOSTS = ("www.example.com", "shop.example.com", "example.org", "www.example.net", "blog.example.com",
         "store.example.co.uk", "www.example.de", "boutique.example.fr", "tienda.example.es", "negozio.example.it",
         "winkel.example.nl", "docs.example.io")
SHOP_HOSTS = ("shop.example.com", "store.example.co.uk", "boutique.example.fr", "tienda.example.es",
              "www.example.de", "negozio.example.it", "winkel.example.nl")


def slug(r, k=None, pool=WORDS):
    return "-".join(r.sample(pool, k or r.randint(2, 4)))


def query_text(r):
    return r.choice(QUERIES)


def ts_ms(r):
    return 1700000000000 + r.randrange(60_000_000_000)      # 2023-11 .. 2025-09, 13 digits


def ts_s(r):
    return 1700000000 + r.randrange(60_000_000)


def date_s(r):
    d = dt.date(2023, 1, 1) + dt.timedelta(days=r.randrange(1000))
    return d.isoformat()


def version3(r):
    return "%d.%d.%d" % (r.randint(0, 12), r.randint(0, 30), r.randint(0, 40))


def version4(r):
    return "%d.%d.%d.%d" % (r.randint(1, 12), r.randint(0, 20), r.randint(0, 30), r.randint(0, 250))


def shopify_variant(r):
    return "4" + "".join(r.choice(DIGITS) for _ in range(13))       # 14 digits, like 47145763675467


def status_id(r):
    return str(1700000000000000000 + r.randrange(200000000000000000))   # 19 digits, 17.. to 18..


def isbn13(r):
    return ean13_complete("978" + "".join(r.choice(DIGITS) for _ in range(9)))


def ean13(r):
    return ean13_complete(r.choice(("400", "401", "303", "500", "540", "590", "800", "871", "843", "760"))
                          + "".join(r.choice(DIGITS) for _ in range(9)))


def google_ved(r):
    return "2ahUKEw" + r.choice("ij") + tok(r, 26, B64URL) + "QFnoEC" + r.choice("ABCDEFGH") + tok(r, 2, UPPER + LOWER) + "QAQ"


def fbclid(r):
    if r.random() < 0.5:
        return "IwAR" + tok(r, 57, B64URL)
    return "IwZXh0bgNhZW0CMTEAAR" + tok(r, 43, B64URL) + "_aem_" + tok(r, 22, B64URL)


def gclid(r):
    return "Cj0KCQ" + r.choice(("iA", "jw", "iw")) + tok(r, 80, B64URL) + "_BwE"


FIRST = {
    "fr": ("Jean", "Marie", "Pierre", "Camille", "Nathalie", "Fran\u00e7ois", "H\u00e9l\u00e8ne", "Julien",
           "C\u00e9line", "Mathieu", "Sophie", "Antoine", "\u00c9lodie", "Thibault", "Margaux", "Baptiste"),
    "de": ("J\u00fcrgen", "Katrin", "Stefan", "Sabine", "Matthias", "Anja", "J\u00f6rg", "Ursula", "Tobias",
           "Friedrich", "Annika", "Maximilian", "Henrike", "Lukas", "Birgit"),
    "es": ("Jos\u00e9", "Mar\u00eda", "Javier", "Luc\u00eda", "Alejandro", "Carmen", "Sergio", "Paula",
           "Andr\u00e9s", "Pilar", "Roc\u00edo", "\u00c1lvaro", "Beatriz", "Joaqu\u00edn"),
    "it": ("Giuseppe", "Francesca", "Alessandro", "Chiara", "Lorenzo", "Giulia", "Matteo", "Federica", "Davide",
           "Valentina", "Niccol\u00f2", "Elisa"),
    "nl": ("Jeroen", "Sanne", "Pieter", "Anouk", "Bram", "Femke", "Joost", "Marloes", "Thijs", "Wouter", "Ilse",
           "Daan"),
    "en": ("Emily", "James", "Olivia", "William", "Charlotte", "Thomas", "Hannah", "Oliver", "Grace", "Samuel",
           "Abigail", "Nathan", "Megan"),
    "xx": ("Aisha", "Mohammed", "Priya", "Rahul", "Hiroshi", "Yuki", "Olusegun", "Agnieszka", "Svetlana",
           "Mehmet", "Thanh", "Chidi", "Ingrid", "Sigrun"),
}
LAST = {
    "fr": ("Dupont", "Durand", "Lef\u00e8vre", "Moreau", "Laurent", "Girard", "Rousseau", "Mercier", "Fontaine",
           "Chevalier", "Gauthier", "Bonnet", "Lemaire", "Dubois", "Marchand"),
    "de": ("M\u00fcller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
           "Hoffmann", "Sch\u00e4fer", "Koch", "Bauer", "Richter", "Kr\u00fcger", "Wei\u00df"),
    "es": ("Garc\u00eda", "Fern\u00e1ndez", "Gonz\u00e1lez", "Rodr\u00edguez", "L\u00f3pez", "Mart\u00ednez",
           "S\u00e1nchez", "P\u00e9rez", "G\u00f3mez", "Ruiz", "Jim\u00e9nez", "Navarro", "Castillo", "Ortega",
           "Iglesias"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
           "Gallo", "Conti", "Mancini", "Lombardi"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder",
           "Dekker", "van Dijk", "Janssen"),
    "en": ("Smith", "Johnson", "Williams", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thompson", "Walker",
           "Robinson", "Harris", "Clarke", "Hughes"),
    "xx": ("Nguyen", "Kowalski", "Nowak", "Ivanova", "Petrov", "Haddad", "Okafor", "Tanaka", "Suzuki", "Kumar",
           "Patel", "Silva", "Santos", "Oliveira", "Yilmaz", "Demir"),
}
MAIL_DOMAINS = ("example.com", "example.com", "example.org", "example.net", "mail.example.com",
                "beispiel-mail.de", "exemple-courriel.fr", "correo-ejemplo.es", "posta-esempio.it",
                "voorbeeld-mail.nl", "sample-mail.co.uk", "mailbox-demo.io", "inbox-example.com.br",
                "example.ch", "example.at", "post-example.be")
FOLD = str.maketrans({"\u00e0": "a", "\u00e1": "a", "\u00e2": "a", "\u00e4": "ae", "\u00e7": "c", "\u00e8": "e",
                      "\u00e9": "e", "\u00ea": "e", "\u00eb": "e", "\u00ed": "i", "\u00ee": "i", "\u00ef": "i",
                      "\u00f1": "n", "\u00f2": "o", "\u00f3": "o", "\u00f4": "o", "\u00f6": "oe", "\u00fa": "u",
                      "\u00fb": "u", "\u00fc": "ue", "\u00df": "ss", "\u00c9": "E", "\u00c1": "A", " ": ""})


def person(r, lang=None):
    lang = lang or r.choice(tuple(FIRST))
    return lang, r.choice(FIRST[lang]), r.choice(LAST[lang])


def email_addr(r, first=None, last=None):
    if first is None:
        _l, first, last = person(r)
    f, l = first.translate(FOLD).lower(), last.translate(FOLD).lower()
    shape = r.random()
    if shape < 0.35:
        local = "%s.%s" % (f, l)
    elif shape < 0.5:
        local = "%s%s" % (f, l)
    elif shape < 0.62:
        local = "%s.%s" % (f[0], l)
    elif shape < 0.72:
        local = "%s_%s%d" % (f, l, r.randint(1, 99))
    elif shape < 0.82:
        local = "%s.%s+%s" % (f, l, r.choice(("news", "shop", "work", "spam")))
    elif shape < 0.9:
        local = "%s%d" % (f, r.randint(1960, 2005))
    else:
        local = "%s.%s" % (first.translate(FOLD), last.translate(FOLD))
    return "%s@%s" % (local, r.choice(MAIL_DOMAINS))


def phone(r):
    """(country, e164 digits without '+', national display form with blanks)."""
    c = r.choice(("fr", "fr", "de", "de", "es", "it", "nl", "uk", "us", "be", "ch"))
    if c == "fr":
        n = r.choice("67") + tok(r, 8, DIGITS)
        return c, "33" + n, "0%s %s %s %s %s" % (n[0], n[1:3], n[3:5], n[5:7], n[7:9])
    if c == "de":
        pre = r.choice(("151", "152", "157", "160", "162", "170", "171", "172", "176", "177", "179"))
        n = pre + tok(r, r.choice((7, 8)), DIGITS)
        return c, "49" + n, "0%s %s" % (pre, n[3:])
    if c == "es":
        n = r.choice("67") + tok(r, 8, DIGITS)
        return c, "34" + n, "%s %s %s" % (n[:3], n[3:6], n[6:])
    if c == "it":
        n = "3" + r.choice("234789") + tok(r, 8, DIGITS)
        return c, "39" + n, "%s %s %s" % (n[:3], n[3:6], n[6:])
    if c == "nl":
        n = "6" + tok(r, 8, DIGITS)
        return c, "31" + n, "06 %s %s" % (n[1:5], n[5:])
    if c == "uk":
        n = "7" + r.choice("45789") + tok(r, 8, DIGITS)
        return c, "44" + n, "0%s %s" % (n[:4], n[4:])
    if c == "be":
        n = "4" + r.choice("789") + tok(r, 7, DIGITS)
        return c, "32" + n, "0%s %s %s %s" % (n[:3], n[3:5], n[5:7], n[7:])
    if c == "ch":
        n = "7" + r.choice("5689") + tok(r, 7, DIGITS)
        return c, "41" + n, "0%s %s %s %s" % (n[:2], n[2:5], n[5:7], n[7:])
    n = r.choice("23456789") + tok(r, 2, DIGITS) + r.choice("23456789") + tok(r, 6, DIGITS)
    return c, "1" + n, "(%s) %s-%s" % (n[:3], n[3:6], n[6:])


def phone_in_query(r):
    """A phone number written the ways forms and links send it, as it appears in a query value."""
    _c, e164, national = phone(r)
    s = r.random()
    if s < 0.3:
        return "%2B" + e164
    if s < 0.45:
        grouped = " ".join([e164[:2]] + [e164[i:i + 2] for i in range(2, len(e164), 2)])
        return "%2B" + grouped.replace(" ", "%20")
    if s < 0.6:
        return enc_q("+" + e164[:2] + " " + national.lstrip("0").replace("(", "").replace(")", ""))
    if s < 0.8:
        return enc(national)
    if s < 0.9:
        return national.replace(" ", ".").replace("(", "").replace(")", "")
    return national.replace(" ", "-").replace("(", "").replace(")", "")


def card_number(r):
    _name, prefixes, lengths = r.choice(CARD_ISSUERS)
    p = r.choice(prefixes)
    n = r.choice(lengths)
    return luhn_complete(p + tok(r, n - len(p) - 1, DIGITS))


def card_in_url(r, num):
    s = r.random()
    if s < 0.45:
        return num
    groups = [num[i:i + 4] for i in range(0, len(num), 4)] if len(num) != 15 else [num[:4], num[4:10], num[10:]]
    sep = r.choice(("+", "%20", "-", "-"))
    return sep.join(groups)


def ipv4_public(r):
    while True:
        a = r.choice((2, 5, 24, 31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92,
                      93, 94, 95, 109, 151, 176, 178, 185, 188, 193, 195, 212, 213, 217))
        s = "%d.%d.%d.%d" % (a, r.randrange(256), r.randrange(256), r.randrange(1, 255))
        ip = ipaddress.IPv4Address(s)
        if ip.is_global:
            return s


def ipv6_public(r):
    if r.random() < 0.3:
        return "2001:db8::%x" % r.randrange(1, 0x10000)
    h = [r.choice((0x2a01, 0x2a02, 0x2003, 0x2600, 0x2607, 0x2a00, 0x2001)), r.randrange(0x10000),
         r.randrange(0x10000), r.choice((0, r.randrange(0x10000)))] + [r.randrange(0x10000) for _ in range(4)]
    return ipaddress.IPv6Address(int.from_bytes(b"".join(x.to_bytes(2, "big") for x in h), "big")).compressed


# --------------------------------------------------------------------------
# Control corpus: URL families without personal data
# --------------------------------------------------------------------------

def utm(r):
    src = r.choice(("newsletter", "facebook", "instagram", "google", "bing", "linkedin", "tiktok", "partner",
                    "twitter", "reddit"))
    med = r.choice(("email", "social", "cpc", "referral", "display", "organic_social", "paid_social"))
    camp = r.choice(("black_friday_2024", "summer-sale", "spring_launch", "cyber-monday", "newsletter_48",
                     "retargeting_q3", "brand", "holiday-gift-guide", "back_to_school"))
    q = "utm_source=%s&utm_medium=%s&utm_campaign=%s" % (src, med, camp)
    if r.random() < 0.4:
        q += "&utm_content=" + r.choice(("hero_cta", "footer", "banner-1", "carousel_3", "text_link"))
    if r.random() < 0.2:
        q += "&utm_term=" + enc_q(query_text(r))
    return q


def tracking_suffix(r):
    """Ad and analytics click ids glued to landing URLs."""
    x = r.random()
    if x < 0.25:
        return "fbclid=" + fbclid(r)
    if x < 0.45:
        return "gclid=" + gclid(r) + ("&gad_source=1" if r.random() < 0.5 else "")
    if x < 0.55:
        return "msclkid=" + hexs(r, 32)
    if x < 0.62:
        return "_ga=2.%d.%d.%d-%d.%d" % (r.randrange(10**8, 10**9), r.randrange(10**8, 10**10), ts_s(r),
                                          r.randrange(10**8, 10**10), ts_s(r))
    if x < 0.7:
        b = base64.b64encode(("%d.%d" % (r.randrange(10**8, 10**10), ts_s(r))).encode()).decode().rstrip("=")
        return "_gl=1*%s*_ga*%s*_ga_%s*%s" % (tok(r, 6, LOWER + DIGITS), b, tok(r, 10, UPPER + DIGITS),
                                               base64.b64encode(("%d.1.1.%d.0.0.0" % (ts_s(r), ts_s(r))).encode()).decode().rstrip("="))
    if x < 0.76:
        return "ttclid=" + tok(r, 32, B64URL)
    if x < 0.8:
        return "yclid=" + tok(r, 20, DIGITS)
    if x < 0.84:
        return "srsltid=AfmBOo" + tok(r, 46, B64URL)
    if x < 0.88:
        return "mc_cid=" + hexs(r, 10)
    if x < 0.92:
        return "_hsmi=" + str(r.randrange(10**7, 10**9))
    if x < 0.96:
        return "wbraid=" + tok(r, 40, B64URL)
    return "twclid=" + tok(r, 25, LOWER + DIGITS)


def maybe(r, p, s):
    return s if r.random() < p else ""


def fam_shopify(r):
    h = slug(r)
    x = r.random()
    if x < 0.4:
        u = "/products/%s?variant=%s" % (h, shopify_variant(r))
        u += maybe(r, 0.3, "&" + utm(r))
    elif x < 0.55:
        u = "/collections/%s/products/%s?variant=%s" % (slug(r, 2), h, shopify_variant(r))
    elif x < 0.65:
        u = "/cart/add?id=%s&quantity=%d" % (shopify_variant(r), r.randint(1, 4))
    elif x < 0.72:
        u = "/cart/%s:%d,%s:%d?discount=%s" % (shopify_variant(r), r.randint(1, 3), shopify_variant(r),
                                               r.randint(1, 3), r.choice(("FREESHIP", "WELCOME10", "BFCM25")))
    elif x < 0.82:
        u = "/collections/%s?sort_by=%s&filter.v.price.gte=%d&filter.v.price.lte=%d&page=%d" % (
            slug(r, 2), r.choice(("price-ascending", "price-descending", "best-selling", "created-descending")),
            r.randint(0, 50), r.randint(60, 500), r.randint(1, 6))
    elif x < 0.9:
        u = "/search?q=%s&options%%5Bprefix%%5D=last&type=product" % enc_q(query_text(r))
    else:
        u = "/cdn/shop/products/%s_%dx.jpg?v=%d&width=%d" % (
            tok(r, 8, UPPER + DIGITS), r.choice((400, 800, 1080, 1200)), ts_s(r), r.choice((360, 720, 1080, 1500)))
    return u


def fam_woocommerce(r):
    x = r.random()
    if x < 0.3:
        return "/?add-to-cart=%d" % r.randint(10, 9999)
    if x < 0.5:
        return "/cart/?add-to-cart=%d&quantity=%d&variation_id=%d&attribute_pa_%s=%s" % (
            r.randint(10, 9999), r.randint(1, 5), r.randint(10, 9999), r.choice(("size", "color", "colour")),
            r.choice(("large", "small", "xl", "blue", "black", "forest-green")))
    if x < 0.65:
        return "/product/%s/?attribute_pa_color=%s" % (slug(r), r.choice(("blue", "red", "sand", "charcoal")))
    if x < 0.8:
        return "/shop/page/%d/?orderby=%s" % (r.randint(2, 20), r.choice(("price", "price-desc", "popularity",
                                                                          "rating", "date")))
    if x < 0.9:
        return "/?wc-ajax=%s" % r.choice(("get_refreshed_fragments", "update_order_review", "add_to_cart",
                                          "apply_coupon", "checkout"))
    return "/product-category/%s/?filter_color=%s&query_type_color=or" % (slug(r, 1), r.choice(("blue", "red")))


def fam_magento(r):
    x = r.random()
    if x < 0.35:
        return "/catalog/product/view/id/%d/s/%s/category/%d/" % (r.randint(1, 20000), slug(r), r.randint(2, 80))
    if x < 0.6:
        ref = "https://%s/%s.html" % (r.choice(SHOP_HOSTS), slug(r))
        uenc = base64.b64encode(ref.encode()).decode().translate(str.maketrans("+/=", "-_,"))
        return "/checkout/cart/add/uenc/%s/product/%d/" % (uenc, r.randint(1, 20000))
    if x < 0.8:
        return "/%s.html?color=%d&p=%d&product_list_limit=%d" % (slug(r, 2), r.randint(40, 60), r.randint(1, 9),
                                                                r.choice((12, 24, 36)))
    return "/catalogsearch/result/?q=%s&product_list_order=%s" % (enc_q(query_text(r)), r.choice(("price", "name",
                                                                                                    "relevance")))


def fam_prestashop(r):
    x = r.random()
    if x < 0.35:
        return "/index.php?id_product=%d&controller=product&id_lang=%d" % (r.randint(1, 5000), r.randint(1, 4))
    if x < 0.6:
        return "/index.php?id_category=%d&controller=category&id_lang=%d&page=%d" % (
            r.randint(2, 1200), r.randint(1, 4), r.randint(1, 9))
    if x < 0.8:
        return "/%s/%d-%d-%s.html#/%d-size-%s/%d-color-%s" % (
            r.choice(("en", "fr", "es")), r.randint(1, 900), r.randint(1, 90), slug(r), r.randint(1, 4),
            r.choice(("s", "m", "l")), r.randint(5, 20), r.choice(("white", "black")))
    return "/index.php?controller=search&s=%s&order=product.price.asc" % enc_q(query_text(r))


def fam_wordpress(r):
    x = r.random()
    if x < 0.12:
        return "/?p=%d" % r.randint(1, 30000)
    if x < 0.18:
        return "/?page_id=%d" % r.randint(1, 900)
    if x < 0.25:
        return "/?s=%s" % enc_q(query_text(r))
    if x < 0.38:
        return "/wp-json/wp/v2/%s?per_page=%d&page=%d%s" % (
            r.choice(("posts", "pages", "categories", "media", "tags")), r.choice((5, 10, 20, 100)),
            r.randint(1, 12), maybe(r, 0.4, "&_embed"))
    if x < 0.55:
        plugin = r.choice(("contact-form-7/includes/js/index.js", "woocommerce/assets/js/frontend/cart-fragments.min.js",
                           "elementor/assets/css/frontend.min.css", "jetpack/_inc/build/photon/photon.min.js",
                           "wordpress-seo/css/dist/adminbar-2160.css"))
        return "/wp-content/plugins/%s?ver=%s" % (plugin, r.choice((version3(r), version4(r), version3(r))))
    if x < 0.68:
        return "/wp-includes/%s?ver=%s" % (r.choice(("js/jquery/jquery.min.js", "js/jquery/jquery-migrate.min.js",
                                                    "css/dist/block-library/style.min.css", "js/wp-emoji-release.min.js")),
                                          r.choice(("6.4.2", "6.5.3", "3.7.1", "3.4.1", "6.6.1")))
    if x < 0.78:
        return "/wp-content/themes/%s/style.css?ver=%s" % (r.choice(("astra", "twentytwentyfour", "kadence",
                                                                     "generatepress")), version3(r))
    if x < 0.84:
        return "/wp-cron.php?doing_wp_cron=%d.%s" % (ts_s(r), tok(r, 22, DIGITS))
    if x < 0.9:
        return "/category/%s/page/%d/?orderby=date" % (slug(r, 1, TOPICS), r.randint(2, 9))
    if x < 0.95:
        return "/wp-login.php?redirect_to=%s&reauth=1" % enc("https://%s/wp-admin/" % r.choice(HOSTS))
    return "/feed/?paged=%d" % r.randint(2, 20)


def fam_drupal(r):
    x = r.random()
    if x < 0.25:
        return "/node/%d?page=%d" % (r.randint(1, 50000), r.randint(1, 5))
    if x < 0.45:
        return "/sites/default/files/styles/%s/public/%s/%s.jpg?itok=%s" % (
            r.choice(("large", "medium", "thumbnail", "hero_1920")), date_s(r)[:7], slug(r, 2), tok(r, 8, B64URL))
    if x < 0.6:
        return "/core/misc/drupal.js?v=%s" % r.choice(("10.1.6", "10.2.3", "9.5.11"))
    if x < 0.75:
        return "/search/node?keys=%s" % enc_q(query_text(r))
    if x < 0.88:
        return "/taxonomy/term/%d?page=%d" % (r.randint(1, 400), r.randint(1, 9))
    return "/user/login?destination=%s" % enc("/node/%d" % r.randint(1, 5000))


def fam_mediawiki(r):
    title = "_".join(w.capitalize() for w in r.sample(TOPICS, r.randint(1, 3)))
    x = r.random()
    if x < 0.25:
        return "/w/index.php?title=%s&action=%s" % (title, r.choice(("edit", "history", "info", "raw")))
    if x < 0.4:
        return "/w/index.php?title=%s&diff=%d&oldid=%d" % (title, r.randint(10**8, 10**9), r.randint(10**8, 10**9))
    if x < 0.5:
        return "/w/index.php?title=%s&curid=%d" % (title, r.randint(1000, 9999999))
    if x < 0.65:
        return "/w/index.php?title=Special:Search&search=%s&fulltext=1&ns0=1" % enc_q(query_text(r))
    if x < 0.8:
        return "/w/load.php?lang=%s&modules=startup&only=scripts&raw=1&skin=vector-2022" % r.choice(("en", "de", "fr"))
    if x < 0.9:
        return "/w/api.php?action=query&format=json&prop=extracts&exintro=1&titles=%s" % title
    return "/wiki/Category:%s?from=%s" % (title, r.choice(UPPER))


def fam_joomla(r):
    return "/index.php?option=com_content&view=article&id=%d&Itemid=%d%s" % (
        r.randint(1, 900), r.randint(100, 300), maybe(r, 0.3, "&lang=" + r.choice(("en", "de", "fr"))))


def fam_blog(r):
    return "/blog/%s/%s/?ref=%s" % (date_s(r)[:4], slug(r, None, TOPICS), r.choice((
        "hackernews", "producthunt", "newsletter", "twitter", "mastodon", "lobsters", "rss")))


def fam_cloudinary(r):
    tr = ",".join(r.sample(("c_fill", "g_auto", "w_%d" % r.choice((200, 400, 800, 1200)),
                            "h_%d" % r.choice((150, 300, 600)), "ar_16:9", "dpr_2.0", "e_sharpen"), r.randint(2, 4)))
    u = "/%s/image/upload/%s/f_auto/q_auto/v%d/%s/%s.jpg" % (
        r.choice(("demo", "acme-shop", "dxyz1234")), tr, ts_s(r), r.choice(("products", "blog", "hero")), slug(r, 2))
    return u + maybe(r, 0.5, "?_a=" + tok(r, 10, UPPER + DIGITS))


def fam_imgix(r):
    u = "/%s/%s.%s?w=%d&h=%d&fit=%s&auto=%s" % (
        r.choice(("photos", "images", "uploads", "media")), slug(r, 2), r.choice(("jpg", "png", "webp")),
        r.choice((320, 640, 800, 1200, 1600)), r.choice((240, 480, 600, 900)),
        r.choice(("crop", "max", "clip", "fill")), r.choice(("format", "format,compress", "compress")))
    u += maybe(r, 0.5, "&q=%d" % r.choice((45, 60, 75, 90)))
    u += maybe(r, 0.4, "&dpr=%d" % r.choice((1, 2, 3)))
    u += maybe(r, 0.3, "&ixlib=js-3.8.0")
    u += maybe(r, 0.3, "&s=" + hexs(r, 32))
    return u


def fam_retina(r):
    name = r.choice(("pencil", "logo", "icon-cart", "hero", "avatar-placeholder", "badge", "arrow-right", "flag-de",
                     "app-store", "google-play", "sprite", "banner-sale"))
    return "/%s/%s@%dx.%s%s" % (r.choice(("static/img", "assets/icons", "images", "img/ui")), name, r.choice((2, 2, 3)),
                                r.choice(("png", "jpg", "webp", "avif", "gif")),
                                maybe(r, 0.6, "?v=%s" % r.choice(("2", "3", version3(r), hexs(r, 8)))))


def fam_assets(r):
    x = r.random()
    if x < 0.3:
        return "/static/%s/main.%s.%s" % (r.choice(("js", "css")), hexs(r, 8), r.choice(("js", "css")))
    if x < 0.5:
        return "/_next/static/chunks/pages/%s-%s.js" % (r.choice(("_app", "index", "products/[handle]")).replace(
            "[", "%5B").replace("]", "%5D"), hexs(r, 16))
    if x < 0.65:
        return "/_next/image?url=%s&w=%d&q=75" % (enc("/images/%s.jpg" % slug(r, 2)), r.choice((640, 828, 1080, 1920, 3840)))
    if x < 0.8:
        return "/assets/index-%s.%s" % (tok(r, 8, ALNUM), r.choice(("js", "css")))
    if x < 0.9:
        return "/build/app.%s.js?v=%d" % (hexs(r, 8), ts_s(r))
    return "/js/app.js?id=%s" % hexs(r, 20)


def fam_cachebust(r):
    path = r.choice(("/js/jquery-3.7.1.min.js", "/api/v1/cart", "/site.css", "/assets/app.js", "/widgets/status.json",
                     "/static/css/theme.css", "/ajax/stock", "/min/?g=js"))
    x = r.random()
    sep = "&" if "?" in path else "?"
    if x < 0.4:
        return "%s%s_=%d" % (path, sep, ts_ms(r))
    if x < 0.65:
        return "%s%sv=%s" % (path, sep, version4(r))
    if x < 0.8:
        return "%s%sver=%s" % (path, sep, version4(r))
    if x < 0.9:
        return "%s%scb=%d" % (path, sep, r.randint(1, 99999999))
    return "%s%sversion=%s" % (path, sep, version4(r))


def fam_downloads(r):
    v = version4(r) if r.random() < 0.6 else version3(r)
    x = r.random()
    if x < 0.4:
        u = "/downloads/%s/%s" % (v, r.choice(("setup.msi", "setup.exe", "installer.pkg", "app.dmg", "release.tar.gz")))
    elif x < 0.65:
        u = "/releases/download/v%s/app-%s-%s" % (v, v, r.choice(("x86_64.AppImage", "arm64.dmg", "win64.zip",
                                                                   "linux-amd64.tar.gz")))
    elif x < 0.85:
        u = "/dist/v%s/node-v%s-%s" % (v, v, r.choice(("x64.msi", "darwin-arm64.tar.gz", "linux-x64.tar.xz")))
    else:
        u = "/files/%s/Product_%s_Win_x64.msi" % (v, v)
    return u + maybe(r, 0.6, "?" + r.choice(("mirror=%s" % r.choice(("eu", "us-east", "fastly")),
                                             "platform=win64&arch=x64", "utm_source=website&utm_medium=download",
                                             "channel=stable", "lang=en")))


def fam_cdnlibs(r):
    x = r.random()
    if x < 0.4:
        pkg = r.choice(("bootstrap", "vue", "react", "alpinejs", "htmx.org", "@fontsource/inter", "swiper",
                        "chart.js", "@popperjs/core"))
        return "/npm/%s@%s/dist/%s" % (pkg, version3(r), r.choice(("js/bootstrap.bundle.min.js", "vue.global.prod.js",
                                                                  "index.css", "cdn.min.js", "umd/popper.min.js")))
    if x < 0.7:
        return "/ajax/libs/%s/%s/%s" % (r.choice(("jquery", "lodash.js", "font-awesome", "moment.js")),
                                        version3(r), r.choice(("jquery.min.js", "lodash.min.js", "css/all.min.css")))
    return "/css2?family=%s:wght@%s&display=swap" % (r.choice(("Inter", "Roboto", "Open+Sans", "Lato", "Montserrat")),
                                                     r.choice(("400;600", "300;400;700", "400", "100..900")))


def fam_books(r):
    x = r.random()
    if x < 0.35:
        return "/isbn/%s%s" % (isbn13(r), maybe(r, 0.5, "?format=" + r.choice(("paperback", "ebook", "hardcover"))))
    if x < 0.55:
        i = isbn13(r)
        return "/book/%s-%s-%s-%s-%s?ref=search" % (i[:3], i[3], i[4:9], i[9:12], i[12])
    if x < 0.75:
        return "/dp/%s?ref=%s" % (isbn10_complete(tok(r, 9, DIGITS)), r.choice(("ppx_yo_dt_b_asin_title_o00_s00",
                                                                               "sr_1_3", "cm_sw_r_cp_api")))
    return "/product/%s?ean=%s" % (slug(r, 2), ean13(r))


def fam_utm_landing(r):
    path = r.choice(("/", "/pricing", "/features", "/blog/%s" % slug(r, None, TOPICS), "/sale",
                     "/products/%s" % slug(r), "/landing/%s" % slug(r, 2), "/en-us/download", "/webinar"))
    q = utm(r)
    if r.random() < 0.5:
        q += "&" + tracking_suffix(r)
    return "%s?%s" % (path, q)


def fam_clickids(r):
    path = r.choice(("/", "/products/%s" % slug(r), "/collections/%s" % slug(r, 1), "/blog/%s" % slug(r, None, TOPICS),
                     "/offer/%s" % slug(r, 2)))
    return "%s?%s" % (path, tracking_suffix(r))


def fam_api(r):
    x = r.random()
    if x < 0.15:
        return "/api/v1/orders/%d" % r.randint(100000000, 9999999999) + maybe(r, 0.5, "?include=items,shipments")
    if x < 0.3:
        return "/api/v2/products?page=%d&per_page=%d&sort=%s" % (r.randint(1, 40), r.choice((20, 50, 100)),
                                                                r.choice(("-created_at", "price", "title", "-updated_at")))
    if x < 0.4:
        return "/v1/items?page_token=%s&page_size=%d" % (tok(r, r.choice((6, 12, 24)), B64URL), r.choice((25, 50, 100)))
    if x < 0.48:
        return "/api/list?next_page_token=%s" % tok(r, 40, B64URL)
    if x < 0.58:
        cursor = base64.b64encode(json.dumps({"id": r.randint(1, 10**6), "ts": ts_s(r)}, separators=(",", ":")).encode()).decode()
        return "/api/v1/events?cursor=%s&limit=%d" % (enc(cursor), r.choice((20, 50, 100)))
    if x < 0.66:
        return "/api/v1/products?filter%%5Bstatus%%5D=%s&fields=id,title,price&include=variants" % r.choice(
            ("active", "draft", "archived"))
    if x < 0.74:
        return "/api/v1/carts/%s?currency=%s" % (uuid4(r), r.choice(("EUR", "USD", "GBP")))
    if x < 0.8:
        return "/api/v1/reports?since=%sT00%%3A00%%3A00Z&until=%s&granularity=day" % (date_s(r), date_s(r))
    if x < 0.86:
        return "/api/v3/search?query=%s&lang=%s" % (enc(query_text(r)), r.choice(("en", "de", "fr")))
    if x < 0.93:
        q = "query Products($first:Int){products(first:$first){edges{node{id title}}}}"
        return "/graphql?query=%s&variables=%s&operationName=Products" % (
            enc(q), enc(json.dumps({"first": r.choice((10, 20, 50))}, separators=(",", ":"))))
    ext = {"persistedQuery": {"version": 1, "sha256Hash": hexs(r, 64)}}
    return "/graphql?operationName=%s&variables=%s&extensions=%s" % (
        r.choice(("ProductQuery", "CollectionPage", "SearchQuery")),
        enc(json.dumps({"handle": slug(r), "first": 12}, separators=(",", ":"))), enc(json.dumps(ext, separators=(",", ":"))))


def fam_search(r):
    q = query_text(r)
    x = r.random()
    if x < 0.5:
        return "/search?q=%s%s" % (enc_q(q), maybe(r, 0.4, "&page=%d" % r.randint(2, 9)))
    if x < 0.7:
        return "/search?q=%s&sort=%s" % (enc(q), r.choice(("relevance", "newest", "price_asc")))
    if x < 0.85:
        return "/suche?q=%s&kategorie=%s" % (enc_q(q), slug(r, 1))
    return "/recherche?query=%s&type=%s" % (enc_q(q), r.choice(("article", "produit", "tout")))


def fam_orders(r):
    x = r.random()
    if x < 0.25:
        return "/account/orders/%d?tab=details" % r.randint(100000, 99999999)
    if x < 0.45:
        return "/order/status?order=%s-%d" % (r.choice(("R", "ORD", "WEB", "SO")), r.randint(10**6, 10**9))
    if x < 0.6:
        return "/tracking?carrier=ups&tracking_number=1Z%s%s" % (tok(r, 6, UPPER + DIGITS), tok(r, 10, DIGITS))
    if x < 0.75:
        return "/track?carrier=%s&id=%s" % (r.choice(("dhl", "fedex", "gls", "colissimo")), tok(r, r.choice((10, 12)), DIGITS))
    if x < 0.85:
        return "/returns/new?order_id=%d&item=%d" % (r.randint(10**6, 10**9), r.randint(1, 9))
    return "/invoice/%s.pdf?download=1" % (date_s(r)[:4] + "-" + tok(r, 6, DIGITS))


def fam_longids(r):
    x = r.random()
    if x < 0.3:
        return "/item?id=%d" % r.randrange(10**12, 10**16)
    if x < 0.5:
        return "/p/%d?ref=%s" % (r.randrange(10**9, 10**14), r.choice(("home", "related", "search")))
    if x < 0.7:
        return "/video/%d?autoplay=1" % r.randrange(10**17, 10**19)
    if x < 0.85:
        return "/listing/%d?img=%d" % (r.randrange(10**8, 10**12), r.randint(1, 12))
    return "/comments?post=%d&after=%d" % (r.randrange(10**12, 10**15), r.randrange(10**12, 10**15))


def fam_dates(r):
    x = r.random()
    if x < 0.35:
        return "/events?from=%s&to=%s" % (date_s(r), date_s(r))
    if x < 0.6:
        d = date_s(r)
        return "/archive/%s/%s/%s/?view=list" % (d[:4], d[5:7], d[8:])
    if x < 0.8:
        return "/calendar?date=%s&view=%s" % (date_s(r).replace("-", ""), r.choice(("week", "month", "day")))
    return "/stats?month=%s&compare=previous" % date_s(r)[:7]


def fam_hashes(r):
    x = r.random()
    if x < 0.4:
        return "/%s/%s/commit/%s?diff=split" % (r.choice(("acme", "opensource", "team")), slug(r, 1, TOPICS), hexs(r, 40))
    if x < 0.7:
        return "/%s/%s/blob/%s/README.md?plain=1" % (r.choice(("acme", "tools")), slug(r, 1, TOPICS), hexs(r, 40))
    return "/assets/%s.%s?integrity=sha256-%s" % (slug(r, 1), r.choice(("js", "css")),
                                                 enc(base64.b64encode(bytes(r.getrandbits(8) for _ in range(32))).decode()))


def fam_pages(r):
    path = r.choice(("/category/%s" % slug(r, 1), "/c/%s/%s" % (slug(r, 1), slug(r, 1)), "/shop/%s" % slug(r, 2)))
    parts = []
    if r.random() < 0.6:
        parts.append("color=%s" % r.choice(("black", "white", "navy", "olive")))
    if r.random() < 0.5:
        parts.append("size=%s" % r.choice(("xs", "s", "m", "l", "xl", "42", "10")))
    parts.append("page=%d" % r.randint(1, 12))
    if r.random() < 0.5:
        parts.append("sort=%s" % r.choice(("price_asc", "price_desc", "newest", "popular")))
    if r.random() < 0.3:
        parts.append("per_page=%d" % r.choice((24, 48, 96)))
    return "%s?%s" % (path, "&".join(parts))


def fam_media(r):
    x = r.random()
    if x < 0.3:
        return "/embed/%s?autoplay=1&mute=1&controls=0&start=%d" % (tok(r, 11, B64URL), r.randint(0, 600))
    if x < 0.55:
        return "/hls/%s/index.m3u8?bitrate=%d&lang=%s" % (uuid4(r), r.choice((800, 1500, 3000, 6000)), r.choice(("en", "de")))
    if x < 0.75:
        return "/oembed?url=%s&format=json&maxwidth=%d" % (
            enc("https://www.youtube.com/watch?v=" + tok(r, 11, B64URL)), r.choice((480, 640, 800)))
    return "/podcast/%s/episode-%d.mp3?source=%s" % (slug(r, 2, TOPICS), r.randint(1, 300), r.choice(("rss", "apple", "spotify")))


def fam_misc(r):
    x = r.random()
    if x < 0.15:
        return "/login?next=%s" % enc(r.choice(("/account/settings", "/checkout", "/dashboard", "/orders")))
    if x < 0.3:
        return "/logout?returnTo=%s" % enc("https://%s/" % r.choice(HOSTS))
    if x < 0.42:
        return "/sitemap.xml?page=%d" % r.randint(1, 30)
    if x < 0.52:
        return "/feed?format=%s&lang=%s" % (r.choice(("rss", "atom", "json")), r.choice(("en", "de", "fr", "es")))
    if x < 0.62:
        return "/health?full=%d" % r.randint(0, 1)
    if x < 0.72:
        return "/tr/?id=%d&ev=%s&dl=%s&rl=&if=false&ts=%d&sw=%d&sh=%d&v=2.9.%d&r=stable&ec=0&o=4126&it=%d&coo=false&rqm=GET" % (
            r.randrange(10**14, 10**16), r.choice(("PageView", "ViewContent", "AddToCart")),
            enc("https://%s/products/%s" % (r.choice(SHOP_HOSTS), slug(r))), ts_ms(r), r.choice((1920, 1440, 390)),
            r.choice((1080, 900, 844)), r.randint(100, 180), ts_ms(r))
    if x < 0.8:
        return "/stores?state=%s&radius=%d" % (r.choice(("open", "all")), r.choice((10, 25, 50)))  # not a homonym
    if x < 0.88:
        return "/locale?lang=%s&currency=%s&redirect=%s" % (r.choice(("de", "fr", "es", "it", "nl")),
                                                           r.choice(("EUR", "CHF", "GBP")), enc("/" + slug(r, 1)))
    if x < 0.94:
        return "/compare?ids=%s" % ",".join(str(r.randint(100, 99999)) for _ in range(r.randint(2, 4)))
    return "/newsletter/confirm?list=%s&status=subscribed" % r.choice(("weekly", "deals", "product-news"))


# Homonyms: a deny-listed parameter name with ordinary data.
def fam_homonym(r):
    h = r.choice(("code", "code", "name", "card", "cc", "session", "ticket", "state", "state", "token", "key",
                  "phone", "auth", "pin", "account", "zip", "email", "city", "pass"))
    if h == "code":
        c = r.choice(("SUMMER20", "WELCOME10", "FREESHIP", "BFCM25", "SPRING15", "VIP2024", "NEWYEAR", "STUDENT10"))
        u = r.choice(("/cart?code=%s" % c, "/checkout/discount?code=%s&apply=1" % c, "/promo?code=%s&%s" % (c, utm(r)),
                      "/gift-cards/redeem?code=%s" % r.choice(("HOLIDAY", "THANKYOU", "XMAS"))))
    elif h == "name":
        u = r.choice(("/w/index.php?name=Main_Page&printable=yes", "/index.php?name=Main_Page",
                      "/products?name=%s" % slug(r), "/api/v1/tags?name=%s" % r.choice(TOPICS),
                      "/fonts?name=%s&weight=400" % r.choice(("Inter", "Roboto", "Lato"))))
    elif h == "card":
        u = r.choice(("/share?card=summary_large_image&url=%s" % enc("https://%s/blog/%s" % (r.choice(HOSTS), slug(r, None, TOPICS))),
                      "/preview?card=summary_large_image", "/gifts?card=%s" % r.choice(("birthday", "thank-you", "wedding")),
                      "/pokemon?card=%s&set=%s" % (r.choice(("pikachu", "charizard", "mewtwo")), r.choice(("base", "jungle")))))
    elif h == "cc":
        u = r.choice(("https://www.bing.com/search?q=%s&cc=%s&setlang=en" % (enc_q(query_text(r)), r.choice(("us", "de", "fr", "gb"))),
                      "/search?q=%s&cc=%s" % (enc_q(query_text(r)), r.choice(("us", "de", "fr"))),
                      "/videos?cc=1&lang=en", "/licenses?cc=by-sa"))
    elif h == "session":
        u = r.choice(("/agenda?day=%d&session=%d" % (r.randint(1, 3), r.randint(1, 40)),
                      "/conference/2024/schedule?session=%d" % r.randint(1, 60), "/gym/classes?session=morning"))
    elif h == "ticket":
        u = r.choice(("/events/%s/register?ticket=%s" % (slug(r, 2), r.choice(("vip", "early-bird", "standard", "student"))),
                      "/support?ticket=new", "/festival/tickets?ticket=weekend&qty=%d" % r.randint(1, 4)))
    elif h == "state":
        u = r.choice(("/stores?state=%s&radius=%d" % (r.choice(("CA", "NY", "TX", "WA", "OR", "FL")), r.choice((10, 25, 50))),
                      "/store-locator?country=US&state=%s" % r.choice(("CA", "NV", "AZ")),
                      "/issues?state=%s&labels=bug" % r.choice(("open", "closed")),
                      "/pulls?state=%s&sort=updated" % r.choice(("open", "merged"))))
    elif h == "token":
        u = r.choice(("/feed?token=page%d" % r.randint(2, 9), "/docs/tokens?token=%s" % r.choice(("spacing", "color", "radius")),
                      "/crypto/prices?token=%s" % r.choice(("eth", "btc", "sol"))))
    elif h == "key":
        u = r.choice(("/chords/%s?key=%s" % (slug(r, 2), r.choice(("Em", "C", "G", "Am", "D"))),
                      "/docs/settings?key=%s" % r.choice(("timeout", "retention", "log_level")),
                      "/keyboard?key=%s" % r.choice(("F5", "Enter", "Escape"))))
    elif h == "phone":
        u = r.choice(("/cases?phone=%s" % r.choice(("iphone-15-pro", "galaxy-s24", "pixel-8", "iphone-13-mini")),
                      "/compare?phone=%s&phone2=%s" % (r.choice(("pixel-8", "iphone-15")), r.choice(("galaxy-s24", "xperia-1-v")))))
    elif h == "auth":
        u = r.choice(("/login?auth=%s" % r.choice(("google", "github", "apple", "sso")), "/docs/api?auth=none"))
    elif h == "pin":
        u = r.choice(("/forum/thread/%d?pin=true" % r.randint(100, 99999), "/boards/%s?pin=top" % slug(r, 1)))
    elif h == "account":
        u = r.choice(("/pricing?account=%s" % r.choice(("business", "personal", "team")), "/signup?account=free"))
    elif h == "zip":
        u = r.choice(("/export?format=csv&zip=1", "/download/photos?zip=true"))
    elif h == "email":
        u = r.choice(("/preferences?email=%s" % r.choice(("weekly", "daily", "never")), "/share?via=x&email=0"))
    elif h == "city":
        u = r.choice(("/weather?city=%s" % r.choice(("paris", "berlin", "madrid", "rome", "amsterdam")),
                      "/hotels?city=%s&checkin=%s" % (r.choice(("lisbon", "vienna", "prague")), date_s(r))))
    else:   # pass
        u = r.choice(("/tickets?pass=%s" % r.choice(("weekend", "day", "season")), "/ski/passes?pass=3-day"))
    return u, "homonym:" + h


# Referrers (absolute URLs)
def landing_control(r):
    fam = r.choice((fam_shopify, fam_wordpress, fam_blog, fam_pages, fam_search, fam_books, fam_longids, fam_woocommerce))
    path = fam(r)
    if r.random() < 0.4:
        path += ("&" if "?" in path else "?") + tracking_suffix(r)
    return "https://%s%s" % (r.choice(HOSTS), path)


def ref_google(r):
    x = r.random()
    if x < 0.2:
        return "https://www.google.%s/" % r.choice(("com", "de", "fr", "co.uk", "es", "it", "nl"))
    if x < 0.75:
        return "https://www.google.%s/url?sa=t&rct=j&q=&esrc=s&source=web&cd=%s&ved=%s&url=%s&usg=AOvVaw%s&opi=89978449" % (
            r.choice(("com", "de", "fr", "co.uk")), r.choice(("", "", str(r.randint(1, 20)))), google_ved(r),
            enc(landing_control(r)), tok(r, 22, B64URL))
    q = query_text(r)
    return "https://www.google.com/search?q=%s&sca_esv=%s&source=hp&ei=%s&oq=%s&gs_lp=%s&sclient=gws-wiz" % (
        enc_q(q), hexs(r, 16), tok(r, 22, B64URL), enc_q(q[:max(3, len(q) - 3)]), tok(r, 60, B64URL))


def ref_bing(r):
    q = query_text(r)
    return "https://www.bing.com/search?q=%s&form=QBLH&sp=-1&ghc=1&lq=0&pq=%s&sc=%d-%d&qs=n&sk=&cvid=%s&ghsh=0&ghacc=0&ghpl=" % (
        enc_q(q), enc_q(q[:max(2, len(q) - 2)]), r.randint(0, 12), len(q), hexs(r, 32).upper())


def ref_other_search(r):
    q = query_text(r)
    x = r.random()
    if x < 0.3:
        return "https://duckduckgo.com/?q=%s&t=h_&ia=web%s" % (enc_q(q), maybe(r, 0.3, "&atb=v%d-1" % r.randint(300, 460)))
    if x < 0.5:
        return "https://yandex.ru/search/?text=%s&lr=%d&clid=%d" % (enc(q), r.choice((213, 2, 54, 65)), r.randint(10**6, 10**7))
    if x < 0.65:
        return "https://www.baidu.com/link?url=%s&wd=&eqid=%s" % (tok(r, 90, B64URL), hexs(r, 32))
    if x < 0.75:
        return "https://www.baidu.com/s?wd=%s&rsv_spt=1&rsv_iqid=0x%s&issp=1&f=8&rsv_bp=1&ie=utf-8" % (enc(q), hexs(r, 16))
    if x < 0.85:
        return "https://search.yahoo.com/search?p=%s&fr=yfp-t&fr2=p%%3Afp&ei=UTF-8" % enc_q(q)
    if x < 0.93:
        return "https://www.ecosia.org/search?method=index&q=%s" % enc_q(q)
    return "https://www.qwant.com/?q=%s&t=web" % enc_q(q)


def ref_social(r):
    x = r.random()
    if x < 0.3:
        land = landing_control(r)
        if r.random() < 0.5:
            land += ("&" if "?" in land else "?") + "fbclid=" + fbclid(r)
        return "https://%s/l.php?u=%s&h=AT%s%s" % (r.choice(("l.facebook.com", "lm.facebook.com")), enc(land),
                                                   tok(r, r.randint(60, 110), B64URL),
                                                   maybe(r, 0.3, "&__tn__=-UK-R&c%5B0%5D=AT" + tok(r, 40, B64URL)))
    if x < 0.38:
        return "https://l.instagram.com/?u=%s&e=AT%s" % (enc(landing_control(r)), tok(r, 80, B64URL))
    if x < 0.5:
        return "https://t.co/%s" % tok(r, 10, ALNUM)
    if x < 0.6:
        return "https://twitter.com/i/web/status/%s?s=%d" % (status_id(r), r.choice((20, 46, 19)))
    if x < 0.68:
        return "https://x.com/%s/status/%s?t=%s&s=%d" % (r.choice(("NASA", "github", "verge", "Reuters", "ESA")),
                                                         status_id(r), tok(r, 22, B64URL), r.choice((19, 20)))
    if x < 0.76:
        return "https://www.linkedin.com/feed/update/urn:li:activity:%d/?utm_source=share&utm_medium=member_desktop" % r.randrange(
            7100000000000000000, 7300000000000000000)
    if x < 0.8:
        return "https://lnkd.in/%s" % tok(r, 8, ALNUM)
    if x < 0.9:
        return "https://www.reddit.com/r/%s/comments/%s/%s/?utm_source=share&utm_medium=web3x&utm_name=web3xcss&utm_term=1&utm_content=share_button" % (
            r.choice(("selfhosted", "sysadmin", "homelab", "BuyItForLife", "running", "coffee")), tok(r, 7, LOWER + DIGITS),
            slug(r, None, TOPICS).replace("-", "_"))
    if x < 0.95:
        return "https://news.ycombinator.com/item?id=%d" % r.randint(38000000, 42500000)
    return "https://www.youtube.com/watch?v=%s&t=%ds" % (tok(r, 11, B64URL), r.randint(1, 900))


def ref_internal(r):
    fam = r.choice((fam_pages, fam_search, fam_shopify, fam_wordpress, fam_blog, fam_utm_landing))
    return "https://%s%s" % (r.choice(HOSTS), fam(r))


REQUEST_FAMILIES = (
    (fam_shopify, 9), (fam_woocommerce, 5), (fam_magento, 4), (fam_prestashop, 3), (fam_wordpress, 9),
    (fam_drupal, 3), (fam_mediawiki, 4), (fam_joomla, 1), (fam_blog, 2), (fam_cloudinary, 3), (fam_imgix, 4),
    (fam_retina, 3), (fam_assets, 4), (fam_cachebust, 5), (fam_downloads, 3), (fam_cdnlibs, 2), (fam_books, 3),
    (fam_utm_landing, 5), (fam_clickids, 5), (fam_api, 8), (fam_search, 5), (fam_orders, 3), (fam_longids, 3),
    (fam_dates, 2), (fam_hashes, 2), (fam_pages, 4), (fam_media, 2), (fam_misc, 4),
)
REFERRER_FAMILIES = ((ref_google, 5), (ref_bing, 3), (ref_other_search, 3), (ref_social, 6), (ref_internal, 2))


def weighted(r, table):
    total = sum(w for _f, w in table)
    x = r.random() * total
    for f, w in table:
        x -= w
        if x < 0:
            return f
    return table[-1][0]


# --------------------------------------------------------------------------
# Corpus sanity (used to reject a generated URL, and by check_scrub_corpus.py)
# --------------------------------------------------------------------------

URL_FORBIDDEN = re.compile(r'[\s"\\]|[^\x21-\x7e]')
EMAIL_RE = re.compile(r"(?:@|%40|%2540)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.([A-Za-z]{2,}))(?![A-Za-z0-9-])", re.I)
DOTTED_QUAD = re.compile(r"(?<![0-9.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9]|\.\d)")
VERSION_CONTEXT = re.compile(r"(?:[?&](?:v|ver|version)=|/downloads/|/releases/download/v|/dist/v|/files/|[-_]v?)$")
DIGIT_GROUPS = re.compile(r"\d+(?:(?:[ +\-]|%20)\d+)*")
SSN_RE = re.compile(r"(?<![0-9])\d{3}-\d{2}-\d{4}(?![0-9])")
DNI_RE = re.compile(r"(?<![A-Za-z0-9])([XYZ]?\d{7,8})-?([A-Za-z])(?![A-Za-z0-9])")
NINO_RE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(?:\+|%20| )?(\d{2})(?:\+|%20| )?(\d{2})(?:\+|%20| )?(\d{2})(?:\+|%20| )?([A-Da-d])(?![A-Za-z0-9])")
PHONE_INTL = re.compile(r"(?:\+|%2B)\d(?:\d|[ .\-]|%20|\+){7,}", re.I)
PHONE_FR = re.compile(r"(?<![0-9])0[1-9](?:(?: |%20|\+|\.|-)\d{2}){4}(?![0-9])")
IBAN_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}(?![A-Za-z0-9])")


def control_problems(url):
    """Why a control URL would carry (or look to a careful reader like it carries) personal data."""
    out = []
    if URL_FORBIDDEN.search(url):
        out.append("blank, quote, backslash or non-ASCII")
    for m in EMAIL_RE.finditer(url):
        if is_real_tld(m.group(2)):
            out.append("e-mail-like @%s" % m.group(1))
    for m in DIGIT_GROUPS.finditer(url):
        digits = re.sub(r"\D", "", m.group(0).replace("%20", " "))
        for run in {digits} | set(re.findall(r"\d+", m.group(0))):
            if looks_like_card(run):
                out.append("card-like %s" % run)
    for m in DOTTED_QUAD.finditer(url):
        if all(int(g) <= 255 for g in m.groups()) and not VERSION_CONTEXT.search(url[:m.start()][-20:]):
            out.append("IPv4 outside a version %s" % m.group(0))
    if SSN_RE.search(url):
        out.append("SSN shape")
    for m in DNI_RE.finditer(url):
        num = m.group(1).replace("X", "0").replace("Y", "1").replace("Z", "2")
        if len(num) == 8 and DNI_LETTERS[int(num) % 23] == m.group(2).upper():
            out.append("DNI %s" % m.group(0))
    for m in NINO_RE.finditer(url):
        p = m.group(1).upper()
        if p[0] not in NINO_BAD_FIRST and p[1] not in NINO_BAD_SECOND and p not in NINO_BAD_PAIRS:
            out.append("NINO shape %s" % m.group(0))
    for m in PHONE_INTL.finditer(url):
        if len(re.sub(r"\D", "", m.group(0).replace("%20", "").replace("%2B", "").replace("%2b", ""))) >= 8:
            out.append("international phone %s" % m.group(0))
    if PHONE_FR.search(url):
        out.append("separated national phone")
    for m in IBAN_TOKEN.finditer(url):
        if iban_ok(m.group(0)):
            out.append("IBAN %s" % m.group(0))
    for m in re.finditer(r"(?<![0-9])[12]\d{2}(?:0[1-9]|1[0-2])(?:\d{2}|2[AB])\d{6}(\d{2})(?![0-9])", url):
        if nir_key(m.group(0)[:13]) == m.group(1):
            out.append("NIR %s" % m.group(0))
    return out


def control_corpus(seed, n, homonym_share=0.075):
    r = random.Random("%s:control" % seed)
    rows = {}
    target_h = int(n * homonym_share)
    while len(rows) < target_h:
        url, kind = fam_homonym(r)
        if url not in rows and not control_problems(url):
            rows[url] = kind
    while len(rows) < n:
        if r.random() < 0.28:
            url = weighted(r, REFERRER_FAMILIES)(r)
        else:
            url = weighted(r, REQUEST_FAMILIES)(r)
        if url not in rows and not control_problems(url):
            rows[url] = "plain"
    out = list(rows.items())
    r.shuffle(out)
    return out


# --------------------------------------------------------------------------
# Planted corpus
# --------------------------------------------------------------------------

def name_value(r, name, style=None):
    """How a (first or last or full) name appears in a query value."""
    style = style if style is not None else r.random()
    if style < 0.6:
        return enc_q(name) if r.random() < 0.7 else enc(name)
    if style < 0.8:
        return enc_q(name.lower())
    return enc_q(name.upper())


def email_value(r, addr=None):
    addr = addr or email_addr(r)
    s = r.random()
    if s < 0.6:
        return enc(addr)                       # %40, %2B
    if s < 0.85:
        return addr.replace("+", "%2B")        # raw @
    if s < 0.93:
        return enc(addr.upper())               # EMAIL=JANE.DOE%40EXAMPLE.COM
    return enc(enc(addr))                      # %2540 (double encoding)


def rand_path_prefix(r):
    return r.choice(("", "", "/en", "/de", "/fr", "/es", "/it", "/nl", "/app", "/shop"))


def extra_pairs(r, k=None):
    pool = ["utm_source=newsletter", "utm_medium=email", "lang=%s" % r.choice(("en", "fr", "de", "es", "it", "nl")),
            "step=%d" % r.randint(1, 4), "ref=%s" % r.choice(("checkout", "account", "footer")), "v=2",
            "source=%s" % r.choice(("web", "app", "ios", "android")), "redirect=%s" % enc("/account")]
    k = r.randint(0, 2) if k is None else k
    return r.sample(pool, k)


def assemble(r, path, personal_pairs, extra=None, prefix=None):
    pairs = list(personal_pairs) + (extra_pairs(r) if extra is None else extra)
    r.shuffle(pairs)
    return "%s%s?%s" % (rand_path_prefix(r) if prefix is None else prefix, path, "&".join(pairs))


FORM_PATHS = ("/signup", "/register", "/checkout", "/account/profile", "/contact", "/newsletter/subscribe",
              "/checkout/shipping", "/api/v1/customers", "/quote/request", "/booking/confirm", "/lead",
              "/forms/submit", "/index.php", "/survey/complete", "/customer/account/createpost")


def p_name_field(r):
    lang, first, last = person(r)
    x = r.random()
    if x < 0.3:
        key = r.choice(("fullname", "fullName", "full_name", "FullName", "full-name", "FULLNAME", "customer_name",
                        "contactName", "display_name", "billing_name", "cardholder_name", "recipient"))
        v = name_value(r, "%s %s" % (first, last))
        return assemble(r, r.choice(FORM_PATHS), ["%s=%s" % (key, v)]), [v]
    if x < 0.55:
        key = r.choice(("username", "userName", "user_name", "UserName", "login", "user", "handle", "nickname",
                        "screen_name", "uname"))
        v = r.choice(("%s.%s", "%s_%s", "%s%s")) % (first.translate(FOLD).lower(), last.translate(FOLD).lower())
        if r.random() < 0.3:
            v += str(r.randint(1, 99))
        return assemble(r, r.choice(("/login", "/u/check", "/api/users/exists", "/forgot", "/profile")),
                        ["%s=%s" % (key, v)]), [v]
    kf, kl = r.choice((("firstname", "surname"), ("firstName", "lastName"), ("first-name", "last-name"),
                       ("given_name", "family_name"), ("FirstName", "Surname"), ("fname", "lname"),
                       ("billing_first_name", "billing_last_name"), ("shipping_first_name", "shipping_last_name"),
                       ("forename", "surname"), ("givenName", "familyName")))
    vf, vl = name_value(r, first), name_value(r, last)
    if r.random() < 0.3:
        return assemble(r, r.choice(FORM_PATHS), ["%s=%s" % (kl, vl)]), [vl]
    return assemble(r, r.choice(FORM_PATHS), ["%s=%s" % (kf, vf), "%s=%s" % (kl, vl)]), [vf, vl]


def p_phone_field(r):
    key = r.choice(("phone_number", "phoneNumber", "phone", "mobile", "mobile_phone", "mobileNumber", "cell",
                    "telephone", "tel", "msisdn", "whatsapp", "contact_phone", "billing_phone", "PhoneNumber", "sms"))
    v = phone_in_query(r)
    if r.random() < 0.15:
        v = phone(r)[2].replace(" ", "").replace("(", "").replace(")", "").replace("-", "")   # bare national digits
    return assemble(r, r.choice(FORM_PATHS + ("/verify/phone", "/otp/send", "/callback/request")),
                    ["%s=%s" % (key, v)]), [v]


def secret_token(r):
    return r.choice((lambda: tok(r, 32, ALNUM), lambda: hexs(r, 40), lambda: tok(r, 43, B64URL),
                     lambda: tok(r, 20, ALNUM), lambda: hexs(r, 64), lambda: uuid4(r)))()


def p_token_field(r):
    key = r.choice(("accessToken", "access_token", "auth_token", "authToken", "reset_password_token",
                    "password_reset_token", "refresh_token", "id_token", "sessionToken", "session_token",
                    "session_id", "sessionId", "SessionID", "api_key", "apiKey", "client_secret", "confirmation_token",
                    "invitation_token", "unlock_token", "verify_token", "magic_token", "otp", "passcode", "pwd",
                    "passwd", "new_password", "Password", "secret", "x-api-key", "private_token", "jwt"))
    v = secret_token(r)
    if key in ("otp", "passcode"):
        v = tok(r, 6, DIGITS) + tok(r, 2, UPPER)
    if key in ("pwd", "passwd", "new_password", "Password"):
        v = r.choice(("Summer2024!", "hunter2hunter", "Passw0rd%21", "correct+horse+battery", "Qwerty%40123",
                      "Tr0ub4dor%263", "iloveyou1987"))
    path = r.choice(("/api/v1/me", "/oauth/userinfo", "/users/password/edit", "/account/verify", "/auth/refresh",
                     "/export", "/download/report.pdf", "/webhook", "/login", "/invitations/accept"))
    return assemble(r, path, ["%s=%s" % (key, v)]), [v]


STREETS = ("rue de la R\u00e9publique", "Hauptstra\u00dfe", "Calle Mayor", "Via Roma", "Kerkstraat",
           "High Street", "avenue Jean Jaur\u00e8s", "Bahnhofstra\u00dfe", "Gran V\u00eda", "Corso Italia",
           "Dorpsstraat", "Baker Street", "boulevard Haussmann", "Schillerstra\u00dfe", "Paseo de Gracia")


def p_address_field(r):
    x = r.random()
    if x < 0.35:
        key = r.choice(("postal_code", "postalCode", "postcode", "zipcode", "zip_code", "zip", "PostCode",
                        "billing_postcode"))
        v = r.choice((tok(r, 5, DIGITS), tok(r, 4, DIGITS) + "+" + tok(r, 2, UPPER),
                      "%s%d+%d%s" % (r.choice(("SW", "EC", "M", "B", "LS")), r.randint(1, 20), r.randint(1, 9), tok(r, 2, UPPER))))
        city = r.choice(("Paris", "Berlin", "Madrid", "Roma", "Amsterdam", "London", "Lyon"))
        return assemble(r, r.choice(FORM_PATHS + ("/shipping/estimate",)), ["%s=%s" % (key, v), "city=%s" % city]), [v]
    key = r.choice(("address1", "address_1", "address_line1", "addressLine1", "street", "street_address",
                    "streetAddress", "billing_address_1", "shipping_address1", "address", "addr"))
    num, street = r.randint(1, 180), r.choice(STREETS)
    v = enc_q("%d %s" % (num, street) if r.random() < 0.5 else "%s %d" % (street, num))
    return assemble(r, r.choice(FORM_PATHS), ["%s=%s" % (key, v)]), [v]


def p_dob_field(r):
    key = r.choice(("date_of_birth", "dateOfBirth", "birthdate", "birth_date", "birthday", "dob", "DOB", "bday"))
    y, m, d = r.randint(1940, 2006), r.randint(1, 12), r.randint(1, 28)
    v = r.choice(("%04d-%02d-%02d" % (y, m, d), "%02d%%2F%02d%%2F%04d" % (d, m, y), "%02d.%02d.%04d" % (d, m, y),
                  "%02d-%02d-%04d" % (m, d, y)))
    return assemble(r, r.choice(FORM_PATHS + ("/age-check",)), ["%s=%s" % (key, v)]), [v]


def p_wp_login(r):
    _l, first, last = person(r)
    user = "%s%s" % (first.translate(FOLD).lower()[0], last.translate(FOLD).lower())
    if r.random() < 0.5:
        pwd = r.choice(("Winter2023%21", "letmein123", "P%40ssw0rd", "admin1234", "Sunshine%2399"))
        return "/wp-login.php?log=%s&pwd=%s&rememberme=forever&wp-submit=Log+In&redirect_to=%s&testcookie=1" % (
            user, pwd, enc("https://%s/wp-admin/" % r.choice(HOSTS))), [user, pwd]
    key = tok(r, 20, ALNUM)
    return "/wp-login.php?action=rp&key=%s&login=%s%s" % (key, user, maybe(r, 0.4, "&wp_lang=" + r.choice(("fr_FR", "de_DE")))), [key, user]


FOREIGN = {
    "fr": {"name": (("nom", "prenom"), ("nom_famille", "pr%C3%A9nom"), ("Nom", "Prenom")),
           "phone": ("telephone", "t%C3%A9l%C3%A9phone", "portable", "tel_mobile", "numero_telephone"),
           "addr": ("adresse", "adresse_postale", "code_postal", "rue"), "dob": ("date_naissance", "date_de_naissance"),
           "mail": ("courriel", "adresse_mail", "mail"), "pwd": ("mot_de_passe", "mdp"),
           "paths": ("/inscription", "/commande/livraison", "/mon-compte/profil", "/contact", "/devis"),
           "streets": ("rue de la R\u00e9publique", "avenue Jean Jaur\u00e8s", "boulevard Haussmann", "rue Victor Hugo")},
    "de": {"name": (("vorname", "nachname"), ("Vorname", "Nachname"), ("vorname", "familienname")),
           "phone": ("telefon", "telefonnummer", "handynummer", "mobilnummer", "rufnummer"),
           "addr": ("strasse", "stra%C3%9Fe", "anschrift", "plz", "hausnummer"), "dob": ("geburtsdatum", "geburtstag"),
           "mail": ("e-mail-adresse", "emailadresse"), "pwd": ("passwort", "kennwort"),
           "paths": ("/anmeldung", "/kasse/adresse", "/mein-konto/daten", "/kontakt", "/registrieren"),
           "streets": ("Hauptstra\u00dfe", "Bahnhofstra\u00dfe", "Schillerstra\u00dfe", "Gartenweg")},
    "es": {"name": (("nombre", "apellidos"), ("nombre", "apellido"), ("Nombre", "primer_apellido")),
           "phone": ("telefono", "tel%C3%A9fono", "movil", "celular", "numero_telefono"),
           "addr": ("direccion", "direcci%C3%B3n", "domicilio", "codigo_postal", "calle"),
           "dob": ("fecha_nacimiento", "fecha_de_nacimiento"), "mail": ("correo", "correo_electronico"),
           "pwd": ("contrasena", "contrase%C3%B1a", "clave"),
           "paths": ("/registro", "/pedido/envio", "/mi-cuenta/datos", "/contacto", "/cita-previa"),
           "streets": ("Calle Mayor", "Gran V\u00eda", "Paseo de Gracia", "Avenida de la Constituci\u00f3n")},
    "it": {"name": (("nome", "cognome"), ("Nome", "Cognome")),
           "phone": ("telefono", "cellulare", "numero_cellulare"),
           "addr": ("indirizzo", "via", "cap", "civico"), "dob": ("data_nascita", "data_di_nascita"),
           "mail": ("posta_elettronica", "indirizzo_email"), "pwd": ("parola_d_ordine", "parolachiave"),
           "paths": ("/registrazione", "/ordine/spedizione", "/il-mio-account/dati", "/contatti", "/preventivo"),
           "streets": ("Via Roma", "Corso Italia", "Via Garibaldi", "Piazza del Popolo")},
    "nl": {"name": (("voornaam", "achternaam"), ("voornaam", "tussenvoegsel_achternaam"), ("Voornaam", "Achternaam")),
           "phone": ("telefoonnummer", "telefoon", "mobiel", "mobiel_nummer"),
           "addr": ("adres", "straat", "straatnaam", "huisnummer", "postcode"), "dob": ("geboortedatum",),
           "mail": ("emailadres", "e-mailadres"), "pwd": ("wachtwoord",),
           "paths": ("/aanmelden", "/bestellen/bezorging", "/mijn-account/gegevens", "/contact", "/offerte"),
           "streets": ("Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenstraat")},
}


def p_foreign_field(r):
    lang = r.choice(tuple(FOREIGN))
    voc = FOREIGN[lang]
    _l, first, last = person(r, lang)
    kind = r.choice(("name", "name", "phone", "addr", "dob", "mail", "pwd"))
    path = r.choice(voc["paths"])
    if kind == "name":
        kf, kl = r.choice(voc["name"])
        vf, vl = name_value(r, first), name_value(r, last)
        return "field-" + lang, assemble(r, path, ["%s=%s" % (kf, vf), "%s=%s" % (kl, vl)], prefix=""), [vf, vl]
    if kind == "phone":
        v = phone_in_query(r)
        return "field-" + lang, assemble(r, path, ["%s=%s" % (r.choice(voc["phone"]), v)], prefix=""), [v]
    if kind == "addr":
        key = r.choice(voc["addr"])
        if key in ("code_postal", "plz", "codigo_postal", "cap", "postcode"):
            v = tok(r, 5, DIGITS) if lang != "nl" else tok(r, 4, DIGITS) + "+" + tok(r, 2, UPPER)
        elif key in ("hausnummer", "huisnummer", "civico"):
            v = enc_q(r.choice(voc["streets"])) + "+" + "%d%s" % (r.randint(1, 300), r.choice(("", "a", "b", "bis")))
        else:
            street, num = r.choice(voc["streets"]), r.randint(1, 150)
            v = enc_q("%d %s" % (num, street) if lang == "fr" else "%s %d" % (street, num))
        return "field-" + lang, assemble(r, path, ["%s=%s" % (key, v)], prefix=""), [v]
    if kind == "dob":
        v = "%02d%%2F%02d%%2F%04d" % (r.randint(1, 28), r.randint(1, 12), r.randint(1945, 2005))
        return "field-" + lang, assemble(r, path, ["%s=%s" % (r.choice(voc["dob"]), v)], prefix=""), [v]
    if kind == "mail":
        v = email_value(r, email_addr(r, first, last))
        return "field-" + lang, assemble(r, path, ["%s=%s" % (r.choice(voc["mail"]), v)], prefix=""), [v]
    v = r.choice(("Soleil2024%21", "Geheim123", "Madrid%402023", "Amore_mio99", "Welkom01%21", "Zxcv%2B987"))
    return "field-" + lang, assemble(r, path, ["%s=%s" % (r.choice(voc["pwd"]), v)], prefix=""), [v]


def p_phone_value(r):
    _c, e164, national = phone(r)
    x = r.random()
    if x < 0.35:
        v = "+" + e164
        path = r.choice(("/call/%s", "/tel/%s", "/wa/%s", "/contact/sms/%s", "/profile/phone/%s/verify"))
        return "phone-path", (path % v) + "?" + r.choice(("src=button", "lang=en", "utm_source=app", "ref=card")), [v]
    if x < 0.45:
        v = "%2B" + e164
        return "phone-path", "/v1/numbers/%s/lookup?type=carrier" % v, [v]
    v = phone_in_query(r)
    key = r.choice(("q", "contact", "to", "recipient", "number", "from", "callback", "query", "value", "destination"))
    return "phone-value", assemble(r, r.choice(("/search", "/sms/send", "/api/v1/lookup", "/callback", "/support/chat")),
                                   ["%s=%s" % (key, v)]), [v]


def nir(r):
    sex = r.choice("12")
    yy = "%02d" % r.randint(0, 99)
    mm = "%02d" % r.randint(1, 12)
    dept = r.choice(["%02d" % d for d in list(range(1, 20)) + list(range(21, 96))] + ["2A", "2B"])
    commune = "%03d" % r.randint(1, 900)
    order = "%03d" % r.randint(1, 999)
    d13 = sex + yy + mm + dept + commune + order
    return d13 + nir_key(d13), (sex, yy, mm, dept, commune, order, nir_key(d13))


def ssn(r):
    while True:
        a = r.randint(1, 899)
        if a == 666:
            continue
        g, s = r.randint(1, 99), r.randint(1, 9999)
        if (a, g) == (987, 65):
            continue
        return "%03d-%02d-%04d" % (a, g, s)


def dni(r):
    if r.random() < 0.2:
        p = r.choice("XYZ")
        n = tok(r, 7, DIGITS)
        num = int(str("XYZ".index(p)) + n)
        return p + n + DNI_LETTERS[num % 23]
    n = "%08d" % r.randint(1000000, 99999999)
    return n + DNI_LETTERS[int(n) % 23]


def nino(r):
    while True:
        p = r.choice(UPPER) + r.choice(UPPER)
        if p[0] in NINO_BAD_FIRST or p[1] in NINO_BAD_SECOND or p in NINO_BAD_PAIRS:
            continue
        return p + tok(r, 6, DIGITS) + r.choice("ABCD")


def bsn(r):
    while True:
        d = tok(r, 9, DIGITS)
        if bsn_ok(d) and d[0] != "0":
            return d


def p_national_id(r):
    kind = r.choice(("nir", "ssn", "dni", "nino", "bsn"))
    if kind == "nir":
        compact, parts = nir(r)
        v = compact if r.random() < 0.5 else r.choice(("+", "%20")).join(parts)
        key = r.choice(("nir", "numero_secu", "num_secu", "numero_securite_sociale", "insee", "q", "ss"))
        return "nid-nir", assemble(r, r.choice(("/mutuelle/adhesion", "/ameli/compte", "/rh/salarie", "/search")),
                                   ["%s=%s" % (key, v)]), [v]
    if kind == "ssn":
        s = ssn(r)
        v = s if r.random() < 0.75 else s.replace("-", "")
        key = r.choice(("ssn", "SSN", "social_security_number", "socialSecurityNumber", "tax_id", "q", "tin"))
        if key == "q" or key == "tax_id":
            v = s
        return "nid-ssn", assemble(r, r.choice(("/apply", "/loan/application", "/hr/onboarding", "/search", "/verify")),
                                   ["%s=%s" % (key, v)]), [v]
    if kind == "dni":
        d = dni(r)
        v = d if r.random() < 0.7 else d[:-1] + "-" + d[-1]
        key = r.choice(("dni", "nif", "nie", "documento", "DNI", "num_documento", "q"))
        return "nid-dni", assemble(r, r.choice(("/alta", "/reserva", "/cita-previa", "/factura", "/buscar")),
                                   ["%s=%s" % (key, v)]), [v]
    if kind == "nino":
        n = nino(r)
        v = n if r.random() < 0.6 else r.choice(("+", "%20")).join((n[:2], n[2:4], n[4:6], n[6:8], n[8]))
        key = r.choice(("nino", "ni_number", "national_insurance_number", "nationalInsuranceNumber", "NINO", "q"))
        return "nid-nino", assemble(r, r.choice(("/payroll/employee", "/benefits/claim", "/apply", "/search")),
                                    ["%s=%s" % (key, v)]), [v]
    v = bsn(r)
    key = r.choice(("bsn", "BSN", "burgerservicenummer", "sofinummer", "bsn_nummer"))
    return "nid-bsn", assemble(r, r.choice(("/aanvraag", "/zorgverzekering/aanmelden", "/werknemer", "/mijn-gegevens")),
                               ["%s=%s" % (key, v)]), [v]


def p_email_encoded(r):
    addr = email_addr(r)
    x = r.random()
    key = r.choice(("u", "e", "data", "d", "id", "uid", "user", "ref", "c", "p", "t", "payload"))
    path = r.choice(("/unsubscribe", "/newsletter/confirm", "/track/click", "/o", "/api/v1/invite", "/l", "/optout",
                     "/email/preferences", "/r"))
    if x < 0.3:
        b = base64.b64encode(addr.encode()).decode()
        v = b if r.random() < 0.5 else b.replace("=", "%3D").replace("+", "%2B").replace("/", "%2F")
        return "email-b64", assemble(r, path, ["%s=%s" % (key, v)]), [v.rstrip("=").replace("%3D", "")]
    if x < 0.5:
        v = base64.urlsafe_b64encode(addr.encode()).decode().rstrip("=")
        return "email-b64url", assemble(r, path, ["%s=%s" % (key, v)]), [v]
    if x < 0.65:
        v = addr.encode().hex()
        if r.random() < 0.3:
            v = v.upper()
        return "email-hex", assemble(r, path, ["%s=%s" % (key, v)]), [v]
    obj = r.choice(({"email": addr}, {"email": addr, "list": r.randint(1, 99)}, {"e": addr, "c": hexs(r, 8)},
                    {"user": {"email": addr}}, {"to": addr, "campaign": slug(r, 2)}))
    js = json.dumps(obj, separators=(",", ":"))
    if r.random() < 0.5:
        v = base64.urlsafe_b64encode(js.encode()).decode().rstrip("=")
    else:
        v = base64.b64encode(js.encode()).decode().rstrip("=").replace("+", "%2B").replace("/", "%2F")
    return "email-json-b64", assemble(r, path, ["%s=%s" % (key, v)]), [v]


def p_email_context(r):
    addr = email_addr(r)
    x = r.random()
    if x < 0.2:
        v = enc(addr) if r.random() < 0.6 else addr
        key = r.choice(("href", "link", "url", "target", "action", "next"))
        mailto = "mailto%3A" if r.random() < 0.7 else "mailto:"
        return "email-mailto", assemble(r, r.choice(("/out", "/redirect", "/go", "/click")), ["%s=%s%s" % (key, mailto, v)]), [v]
    if x < 0.35:
        v = enc(addr) if r.random() < 0.5 else addr
        q = r.choice(("from%3A", "from:", "to%3A", "in%3Ainbox+from%3A"))
        return "email-from", assemble(r, r.choice(("/mail/search", "/search", "/messages")), ["q=%s%s" % (q, v)]), [v]
    if x < 0.6:
        k = r.choice(("email", "Email", "emailAddress", "mail", "login"))
        obj = {k: addr}
        if r.random() < 0.5:
            obj = {"filter": obj, "limit": 10}
        js = json.dumps(obj, separators=(",", ":"))
        if r.random() < 0.75:
            v = enc(addr)
            u = assemble(r, r.choice(("/api/v1/users", "/api/search", "/graphql", "/rest/contacts")),
                         ["%s=%s" % (r.choice(("filter", "where", "q", "params", "json")), enc(js))])
        else:      # {email:...} written loosely, the way some front ends build filters
            v = addr
            u = assemble(r, "/api/v1/users", ["where=%7B" + k + ":" + addr + "%7D"])
        return "email-json", u, [v]
    if x < 0.78:
        v = enc(addr) if r.random() < 0.5 else addr
        msg = r.choice(("write+to+", "contact+me+at+", "send+it+to+", "my+address+is+"))
        return "email-trailing-dot", assemble(r, r.choice(("/feedback", "/contact", "/support/ticket")),
                                              ["message=%s%s." % (msg, v)]), [v]
    v = enc(addr) if r.random() < 0.5 else addr
    wrap = r.choice((("%5B", "%5D"), ("%3C", "%3E"), ("[", "]"), ("%7B", "%7D"), ("(", ")")))
    return "email-bracket", assemble(r, r.choice(("/share", "/invite", "/notes/new")),
                                     ["%s=%s%s%s" % (r.choice(("text", "body", "note", "to")), wrap[0], v, wrap[1])]), [v]


def p_email_plain(r):
    addr = email_addr(r)
    x = r.random()
    if x < 0.45:
        key = r.choice(("email", "Email", "EMAIL", "e-mail", "email_address", "emailAddress", "user_email", "mail",
                        "login", "username", "contact", "recipient", "login_hint", "customer%5Bemail%5D", "billing_email"))
        v = email_value(r, addr)
        return "email-field", assemble(r, r.choice(FORM_PATHS + ("/login", "/password/forgot", "/oauth2/authorize")),
                                       ["%s=%s" % (key, v)]), [v]
    if x < 0.65:
        v = enc(addr) if r.random() < 0.5 else addr
        path = r.choice(("/unsubscribe/%s", "/users/%s/profile", "/u/%s", "/api/v1/customers/%s", "/verify/%s/resend"))
        return "email-path", (path % v) + "?" + r.choice(("list=weekly", "lang=en", "src=email", "confirm=1")), [v]
    if x < 0.8:
        v = enc(enc(addr))
        return "email-double-enc", assemble(r, r.choice(("/search", "/track", "/go")),
                                            ["%s=%s" % (r.choice(("q", "ref", "to", "email")), v)]), [v]
    v = email_value(r, addr)
    key = r.choice(("q", "query", "search", "s", "keyword", "term"))
    return "email-value", assemble(r, r.choice(("/search", "/admin/users", "/orders/search", "/helpdesk")),
                                   ["%s=%s" % (key, v)]), [v]


def p_card(r):
    num = card_number(r)
    v = card_in_url(r, num)
    x = r.random()
    if x < 0.75:
        key = r.choice(("cc", "card", "card_number", "cardNumber", "ccnum", "cc_number", "pan", "credit_card",
                        "CardNumber", "cardno", "q", "ref", "number"))
        extra = extra_pairs(r)
        if r.random() < 0.4:
            extra.append("exp=%02d%%2F%02d" % (r.randint(1, 12), r.randint(25, 30)))
        return "card", assemble(r, r.choice(("/checkout/pay", "/api/payments", "/pay", "/donate", "/billing/update",
                                             "/search")), ["%s=%s" % (key, v)], extra), [v]
    return "card", "/%s/%s/%s?%s" % (r.choice(("pay", "cards", "wallet")), v, r.choice(("confirm", "verify", "3ds")),
                                     r.choice(("lang=en", "step=2", "src=app"))), [v]


IBAN_FORMATS = {
    "DE": lambda r: tok(r, 18, DIGITS), "AT": lambda r: tok(r, 16, DIGITS), "ES": lambda r: tok(r, 20, DIGITS),
    "FR": lambda r: tok(r, 10, DIGITS) + tok(r, 11, DIGITS + UPPER[:6]) + tok(r, 2, DIGITS),
    "IT": lambda r: r.choice(UPPER) + tok(r, 10, DIGITS) + tok(r, 12, DIGITS),
    "NL": lambda r: r.choice(("ABNA", "INGB", "RABO", "TRIO", "KNAB", "SNSB", "ASNB")) + tok(r, 10, DIGITS),
    "GB": lambda r: r.choice(("NWBK", "BARC", "HBUK", "LOYD", "MIDL")) + tok(r, 14, DIGITS),
    "IE": lambda r: r.choice(("AIBK", "BOFI")) + tok(r, 14, DIGITS),
    "CH": lambda r: tok(r, 17, DIGITS), "PL": lambda r: tok(r, 24, DIGITS), "PT": lambda r: tok(r, 21, DIGITS),
    "LU": lambda r: tok(r, 16, DIGITS), "SE": lambda r: tok(r, 20, DIGITS), "DK": lambda r: tok(r, 14, DIGITS),
    "FI": lambda r: tok(r, 14, DIGITS), "NO": lambda r: tok(r, 11, DIGITS),
}


def belgian_bban(r):
    d10 = tok(r, 10, DIGITS)
    k = int(d10) % 97 or 97
    return d10 + "%02d" % k


def p_iban(r):
    cc = r.choice(tuple(IBAN_FORMATS) + ("BE", "DE", "FR", "ES", "NL"))
    bban = belgian_bban(r) if cc == "BE" else IBAN_FORMATS[cc](r)
    iban = iban_make(cc, bban)
    assert iban_ok(iban) and len(iban) == IBAN_LENGTHS[cc]
    s = r.random()
    if s < 0.55:
        v = iban
    else:
        sep = r.choice(("+", "%20"))
        v = sep.join(iban[i:i + 4] for i in range(0, len(iban), 4))
    key = r.choice(("iban", "IBAN", "acct", "account", "rib", "bank_account", "iban_number", "q", "beneficiary_iban",
                    "kontonummer", "rekeningnummer", "cuenta"))
    return "iban", assemble(r, r.choice(("/sepa/mandate", "/payout/settings", "/api/v1/transfers", "/donate",
                                         "/search", "/refund")), ["%s=%s" % (key, v)]), [v]


def p_ip_value(r):
    v6 = r.random() < 0.4
    ip = ipv6_public(r) if v6 else ipv4_public(r)
    v = ip if (not v6 or r.random() < 0.5) else enc(ip)
    key = r.choice(("ip", "client_ip", "clientIp", "remote_addr", "user_ip", "visitor_ip", "x_forwarded_for", "addr",
                    "host", "ipaddress", "source_ip", "uip"))
    return "ip-value", assemble(r, r.choice(("/api/geo", "/debug", "/track", "/collect", "/admin/ban", "/whois",
                                             "/log")), ["%s=%s" % (key, v)]), [v]


def p_reset_token(r):
    x = r.random()
    if x < 0.35:
        code = tok(r, r.choice((48, 54, 64)), B64URL)
        cont = enc("https://%s/%s" % (r.choice(HOSTS), r.choice(("login", "account", "welcome"))))
        mode = r.choice(("resetPassword", "verifyEmail", "signIn", "recoverEmail", "verifyAndChangeEmail"))
        return "reset-token", "/__/auth/action?mode=%s&oobCode=%s&apiKey=AIzaSy%s&continueUrl=%s&lang=%s" % (
            mode, code, tok(r, 33, B64URL), cont, r.choice(("en", "fr", "de", "es"))), [code]
    if x < 0.5:
        t = tok(r, 20, B64URL)
        return "reset-token", "/users/password/edit?reset_password_token=%s" % t, [t]
    if x < 0.62:
        t = tok(r, 20, B64URL)
        return "reset-token", "/users/confirmation?confirmation_token=%s%s" % (t, maybe(r, 0.3, "&locale=fr")), [t]
    if x < 0.8:
        key = tok(r, 20, ALNUM)
        _l, f, l = person(r)
        login = enc(email_addr(r, f, l)) if r.random() < 0.3 else "%s.%s" % (f.translate(FOLD).lower(), l.translate(FOLD).lower())
        return "reset-token", "/account/reset?key=%s&login=%s" % (key, login), [key, login]
    t = hexs(r, 32) if r.random() < 0.5 else tok(r, 40, B64URL)
    return "reset-token", "/password/reset?token=%s&%s" % (t, r.choice(("lang=en", "source=email", "step=1"))), [t]


def p_path_token(r):
    t = r.choice((lambda: tok(r, 40, B64URL), lambda: hexs(r, 64), lambda: hexs(r, 40), lambda: tok(r, 32, ALNUM)))()
    x = r.random()
    if x < 0.2:
        return "/reset/%s?lang=%s" % (t, r.choice(("en", "de"))), [t]
    if x < 0.35:
        return "/magic/%s?redirect=%s" % (t, enc("/dashboard")), [t]
    if x < 0.5:
        return "/auth/magic-link/%s?utm_source=email" % t, [t]
    if x < 0.62:
        return "/password/reset/%s?email_sent=1" % t, [t]
    if x < 0.75:
        uid = base64.urlsafe_b64encode(str(r.randint(1, 99999)).encode()).decode().rstrip("=")
        dj = "%s-%s" % (tok(r, 6, LOWER + DIGITS), hexs(r, 32))
        return "/accounts/reset/%s/%s/?next=%s" % (uid, dj, enc("/")), [dj]
    if x < 0.87:
        return "/token/%s/download?file=%s.pdf" % (t, slug(r, 2, TOPICS)), [t]
    return "/invite/%s?team=%s" % (t, slug(r, 1)), [t]


def p_oauth(r):
    state = r.choice((lambda: tok(r, 32, B64URL), lambda: hexs(r, 32), lambda: uuid4(r),
                      lambda: base64.urlsafe_b64encode(json.dumps({"csrf": hexs(r, 16), "return": "/cart"},
                                                                  separators=(",", ":")).encode()).decode().rstrip("=")))()
    code = r.choice((lambda: "4/0A" + tok(r, 70, B64URL), lambda: tok(r, 40, ALNUM), lambda: hexs(r, 20)))()
    x = r.random()
    if x < 0.6:
        return "/oauth/callback?code=%s&state=%s%s" % (enc(code) if "/" in code else code, state,
                                                       maybe(r, 0.4, "&scope=email+profile+openid&authuser=0&prompt=consent")), \
            [enc(code) if "/" in code else code, state]
    if x < 0.8:
        return "/auth/%s/callback?state=%s&code=%s" % (r.choice(("google", "github", "microsoft", "apple")), state, code.replace("/", "%2F")), \
            [state, code.replace("/", "%2F")]
    return "/oauth2/authorize?response_type=code&client_id=%s&redirect_uri=%s&scope=openid+email&state=%s" % (
        tok(r, 24, ALNUM), enc("https://%s/cb" % r.choice(HOSTS)), state), [state]


def p_saml(r):
    x = r.random()
    if x < 0.6:
        art = base64.b64encode(b"\x00\x04\x00\x00" + bytes(r.getrandbits(8) for _ in range(40))).decode()
        v = art.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
        return "saml-art", "/saml/acs?SAMLart=%s&RelayState=%s" % (v, enc("/app/%s" % slug(r, 1))), [v]
    if x < 0.8:
        art = base64.b64encode(b"\x00\x01" + bytes(r.getrandbits(8) for _ in range(40))).decode()
        v = enc(art)
        return "saml-art", "/SamlAwareServlet?TARGET=%s&SAMLart=%s" % (enc("https://%s/portal" % r.choice(HOSTS)), v), [v]
    rs = tok(r, 40, B64URL)
    return "saml-relaystate", "/sso/saml?RelayState=%s&SigAlg=%s" % (rs, enc("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")), [rs]


def p_wsfed(r):
    if r.random() < 0.6:
        ctx = "WsFedOwinState%3D" + tok(r, r.randint(120, 220), B64URL)
    else:
        ctx = enc("rm=0&id=passive&ru=/%s&sid=%s" % (slug(r, 1), hexs(r, 32)))
    u = "/adfs/ls/?wa=wsignin1.0&wtrealm=%s&wctx=%s&wct=%s" % (
        enc("https://%s/" % r.choice(HOSTS)), ctx, enc(date_s(r) + "T10:00:00Z"))
    if r.random() < 0.3:
        u += "&wreply=" + enc("https://%s/signin-wsfed" % r.choice(HOSTS))
    return u, [ctx]


def p_marketing(r):
    x = r.random()
    path = r.choice(("/", "/blog/%s" % slug(r, None, TOPICS), "/products/%s" % slug(r), "/webinar", "/pricing",
                     "/sale/%s" % slug(r, 1)))
    if x < 0.35:
        v = hexs(r, 10)
        return "%s?utm_source=Newsletter&utm_campaign=%s&utm_medium=email&mc_cid=%s&mc_eid=%s" % (
            path, hexs(r, 10), hexs(r, 10), v), [v]
    if x < 0.65:
        v = "p2ANqtz-" + tok(r, r.randint(70, 110), B64URL)
        return "%s?_hsmi=%d&_hsenc=%s&utm_source=hs_email&utm_medium=email" % (path, r.randint(10**7, 10**9), v), [v]
    if x < 0.9:
        v = "MTM4LU5ZUC02OTYAAAG" + tok(r, r.randint(80, 120), B64URL)
        return "%s?mkt_tok=%s" % (path, v), [v]
    v = "%s.%s" % (tok(r, 22, B64URL), tok(r, 6, UPPER + DIGITS))
    return "%s?_kx=%s&utm_source=klaviyo" % (path, v), [v]


def p_graphql(r):
    x = r.random()
    if x < 0.4:
        _c, e164, _n = phone(r)
        vars_ = {"phone": "+" + e164}
        op, q = "SendOtp", "mutation SendOtp($phone:String!){sendOtp(phone:$phone){ok}}"
        v = enc("+" + e164)
    elif x < 0.7:
        addr = email_addr(r)
        vars_ = {"input": {"email": addr, "acceptsMarketing": True}}
        op, q = "CustomerCreate", "mutation CustomerCreate($input:CustomerInput!){customerCreate(input:$input){customer{id}}}"
        v = enc(addr)
    else:
        _l, f, l = person(r)
        vars_ = {"firstName": f, "lastName": l, "first": 1}
        op, q = "FindCustomer", "query FindCustomer($firstName:String,$lastName:String,$first:Int){customers(first:$first){id}}"
        vs = [enc(f), enc(l)]
        u = "/graphql?query=%s&variables=%s&operationName=%s" % (enc(q), enc(json.dumps(vars_, separators=(",", ":"), ensure_ascii=False)), op)
        return u, vs
    u = "/graphql?query=%s&variables=%s&operationName=%s" % (enc(q), enc(json.dumps(vars_, separators=(",", ":"))), op)
    return u, [v]


def p_session_path(r):
    x = r.random()
    if x < 0.2:
        v = hexs(r, 40)
        return "session-path", "/s/%s/%s?lang=en" % (v, r.choice(("cart", "checkout", "index.html", "product/42"))), [v]
    if x < 0.4:
        v = tok(r, 24, "abcdefghijklmnopqrstuvwxyz012345")
        wrap = r.choice(("(S(%s))", "(X(1)S(%s))", "(S(%s)A(%s))"))
        seg = wrap % ((v,) if wrap.count("%s") == 1 else (v, tok(r, 86, B64URL)))
        return "session-path", "/%s/%s/%s?id=%d" % (r.choice(("shop", "portal", "app")), seg,
                                                    r.choice(("Default.aspx", "Product.aspx", "Cart.aspx")), r.randint(1, 900)), [v]
    if x < 0.5:
        v = tok(r, 32, ALNUM)
        return "session-path", "/session/%s/step2?flow=checkout" % v, [v]
    if x < 0.65:
        v = hexs(r, 32)
        return "session-param", "/%s.php?%s&osCsid=%s" % (r.choice(("product_info", "checkout_shipping", "shopping_cart")),
                                                           r.choice(("products_id=%d" % r.randint(1, 900), "cPath=%d_%d" % (r.randint(1, 30), r.randint(1, 90)))), v), [v]
    if x < 0.8:
        cfid, cft = str(r.randint(10**5, 10**8)), r.choice((str(r.randint(10**7, 10**8)),
                                                              "%s-%s-%s" % (hexs(r, 16), tok(r, 8, UPPER + DIGITS), tok(r, 12, UPPER + DIGITS))))
        return "session-param", "/index.cfm?fuseaction=%s&CFID=%s&CFTOKEN=%s" % (
            r.choice(("product.view", "cart.show", "home.main")), cfid, cft), [cfid, cft]
    if x < 0.9:
        v = tok(r, 32, HEX.upper())
        return "session-path", "/shop/cart;jsessionid=%s?item=%d" % (v, r.randint(1, 999)), [v]
    v = tok(r, 26, LOWER + DIGITS)
    return "session-param", "/index.php?main_page=product_info&products_id=%d&zenid=%s" % (r.randint(1, 999), v), [v]


def p_nested(r):
    """A redirect/referrer URL carrying a landing URL with personal data: only the personal part is VALUE."""
    host = r.choice(SHOP_HOSTS)
    kind = r.choice(("email", "email", "email", "token", "phone", "name"))
    lpath = r.choice(("/account/reset", "/newsletter/confirm", "/checkout/recover", "/login", "/account/verify",
                      "/order/track", "/welcome"))
    ordinary = r.choice(("utm_source=newsletter", "lang=fr", "step=2", "ref=mail", "campaign=spring"))
    if kind == "email":
        addr = email_addr(r)
        pair_v = enc(addr)
        pair = "%s=%s" % (r.choice(("email", "e", "user", "to")), pair_v)
    elif kind == "token":
        pair_v = tok(r, 32, ALNUM)
        pair = "%s=%s" % (r.choice(("token", "reset_token", "t", "key")), pair_v)
    elif kind == "phone":
        pair_v = "%2B" + phone(r)[1]
        pair = "%s=%s" % (r.choice(("phone", "tel", "mobile")), pair_v)
    else:
        _l, f, l = person(r)
        pair_v = enc_q(f + " " + l)
        pair = "name=%s" % pair_v
    pairs = [pair, ordinary]
    r.shuffle(pairs)
    landing = "https://%s%s?%s" % (host, lpath, "&".join(pairs))
    if r.random() < 0.3:
        landing += "&fbclid=" + fbclid(r)
    inner = enc(landing)
    value = enc(pair_v)                  # the personal part, as it appears once the landing URL is encoded
    carrier = r.random()
    if carrier < 0.35:
        url = "https://l.facebook.com/l.php?u=%s&h=AT%s" % (inner, tok(r, 90, B64URL))
    elif carrier < 0.5:
        url = "https://www.google.com/url?sa=t&rct=j&q=&esrc=s&source=web&cd=&ved=%s&url=%s&usg=AOvVaw%s" % (
            google_ved(r), inner, tok(r, 22, B64URL))
    elif carrier < 0.6:
        url = "https://l.instagram.com/?u=%s&e=AT%s" % (inner, tok(r, 70, B64URL))
    elif carrier < 0.7:
        url = "https://lm.facebook.com/l.php?u=%s&h=AT%s&__tn__=-UK-R" % (inner, tok(r, 90, B64URL))
    else:
        url = "%s?%s=%s&%s" % (r.choice(("/login", "/redirect", "/sso/start", "/out", "/auth")),
                               r.choice(("next", "redirect_uri", "return_to", "continue", "url", "to")), inner,
                               r.choice(("lang=en", "src=email", "v=2")))
    keep = [enc(host + lpath), enc(ordinary)]
    return url, [value], keep


def p_out_of_reach(r, kind):
    if kind == "name-in-path":
        _l, f, l = person(r)
        s = "%s-%s" % (f.translate(FOLD).lower(), l.translate(FOLD).lower().replace(" ", "-"))
        return "/%s/%s%s?%s" % (r.choice(("team", "people", "author", "speakers", "staff", "u")), s,
                                r.choice(("", "/", "/posts")), r.choice(("ref=about", "page=2", "lang=en"))), [s]
    if kind == "hashed-id":
        addr = email_addr(r).lower()
        h = r.choice((hashlib.md5, hashlib.sha1, hashlib.sha256))(addr.encode()).hexdigest()
        key = r.choice(("uid", "em", "ud%5Bem%5D", "hashed_email", "user_hash", "hem"))
        return assemble(r, r.choice(("/tr/", "/collect", "/sync", "/pixel.gif")), ["%s=%s" % (key, h)]), [h]
    if kind == "coordinates":
        lat = "%.6f" % r.uniform(36.0, 59.0)
        lng = "%.6f" % r.uniform(-9.0, 24.0)
        if r.random() < 0.6:
            return assemble(r, r.choice(("/stores/nearby", "/api/v1/delivery/quote", "/weather", "/geo")),
                            ["lat=%s" % lat, "lng=%s" % lng]), [lat, lng]
        return "/api/places?ll=%s,%s&radius=500" % (lat, lng), [lat, lng]
    _l, f, l = person(r, r.choice(("fr", "en", "es", "de")))
    who = enc_q("%s %s" % (f, l)).lower()
    t = r.choice(("my+name+is+%s", "hi+this+is+%s+from+the+office", "please+call+%s+back", "order+for+%s+thanks"))
    return assemble(r, r.choice(("/search", "/feedback", "/chat/send")), ["%s=%s" % (r.choice(("q", "message", "text")),
                                                                                       t % who)]), [who]


PLANTED_PLAN = (
    ("name-field", p_name_field, 50), ("phone-field", p_phone_field, 36), ("token-field", p_token_field, 40),
    ("address-field", p_address_field, 26), ("dob-field", p_dob_field, 18), ("wp-login", p_wp_login, 14),
    ("field-xx", p_foreign_field, 70), ("phone-value", p_phone_value, 40), ("nid", p_national_id, 70),
    ("email-enc", p_email_encoded, 44), ("email-ctx", p_email_context, 50), ("email-plain", p_email_plain, 44),
    ("card", p_card, 36), ("iban", p_iban, 30), ("ip-value", p_ip_value, 24), ("reset-token", p_reset_token, 26),
    ("path-token", p_path_token, 20), ("oauth-state", p_oauth, 16), ("saml", p_saml, 12), ("wsfed-wctx", p_wsfed, 8),
    ("marketing-id", p_marketing, 24), ("graphql-vars", p_graphql, 14), ("session", p_session_path, 26),
    ("nested-url", p_nested, 30),
)
OUT_OF_REACH_PLAN = (("name-in-path", 9), ("hashed-id", 8), ("coordinates", 8), ("free-text", 8))


def _pct_decode(s):
    from urllib.parse import unquote
    return unquote(s)


def planted_problems(url, values):
    out = []
    if URL_FORBIDDEN.search(url):
        out.append("blank, quote, backslash or non-ASCII")
    rest = url
    for v in sorted(values, key=len, reverse=True):
        if len(v) < 4:
            out.append("value too short %r" % v)
        if v not in url:
            out.append("value not in URL %r" % v)
        if "\t" in v:
            out.append("tab in value")
        rest = rest.replace(v, "\x00")
    low = rest.lower()
    dec = _pct_decode(rest).lower()
    for v in values:
        if v.lower() in low or _pct_decode(v).lower() in dec:
            out.append("value also outside its place %r" % v)
    return out


def planted_row(label, res):
    """(CATEGORY, URL, VALUES, landing pieces) from what a p_* function returns."""
    if label == "nested-url":
        url, values, keep = res
        return label, url, values, keep
    if len(res) == 3:
        return res[0], res[1], res[2], None
    return label, res[0], res[1], None


def planted_corpus(seed):
    r = random.Random("%s:planted" % seed)
    rows, landings = {}, []

    def add(url, cat, values, keep=None):
        if url in rows or planted_problems(url, values):
            return False
        for k in keep or ():
            if k not in url or any(k in v or v in k for v in values):
                return False
        rows[url] = (cat, values)
        for k in keep or ():
            landings.append((url, k))
        return True

    for label, fn, count in PLANTED_PLAN:
        n = 0
        while n < count:
            cat, url, values, keep = planted_row(label, fn(r))
            n += add(url, cat, values, keep)
    for kind, count in OUT_OF_REACH_PLAN:
        n = 0
        while n < count:
            url, values = p_out_of_reach(r, kind)
            n += add(url, "out-of-reach:" + kind, values)
    return [(u, c, v) for u, (c, v) in rows.items()], landings


# --------------------------------------------------------------------------
# Query-heavy access log
# --------------------------------------------------------------------------

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UAS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/482.0.0.38.109;FBBV/650000000;FBDV/iPhone15,3;FBMD/iPhone;FBSN/iOS;FBSV/18.0;FBSS/3;FBLC/de_DE;FBOP/5]",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "curl/8.5.0", "python-requests/2.32.3", "okhttp/4.12.0",
)


def client_pools(r, n_v4=4000, n_v6=1200):
    v4 = sorted({ipv4_public(r) if r.random() < 0.8 else "%s.%d" % (r.choice(("192.0.2", "198.51.100", "203.0.113")),
                                                                   r.randrange(1, 255)) for _ in range(n_v4)})
    v6 = sorted({ipv6_public(r) for _ in range(n_v6)})
    r.shuffle(v4)
    r.shuffle(v6)
    return v4, v6


def zipf_pick(r, pool, s=1.1):
    # inverse-CDF-free approximation: rank ~ pareto, clipped
    i = int(r.paretovariate(s)) - 1
    return pool[i % len(pool)]


def request_with_query(r):
    while True:
        u = weighted(r, REQUEST_FAMILIES)(r)
        if "?" in u and not u.startswith("http"):
            return u


def write_log(path, seed, lines, planted_share, start):
    r = random.Random("%s:log" % seed)
    pr = random.Random("%s:log-planted" % seed)
    v4, v6 = client_pools(r)
    planted_rel, planted_abs = [], []
    for label, fn, _c in PLANTED_PLAN:
        for _ in range(6):
            url = planted_row(label, fn(pr))[1]
            (planted_abs if url.startswith("http") else planted_rel).append(url)
    popular = [request_with_query(r) for _ in range(400)]
    t0 = dt.datetime.fromisoformat(start)
    tz = t0.utcoffset() or dt.timedelta(0)
    mins = int(tz.total_seconds() // 60)
    tzs = "%s%02d%02d" % ("-" if mins < 0 else "+", abs(mins) // 60, abs(mins) % 60)
    t = 0.0
    cache = {}
    n_planted = 0
    with open(path, "w", encoding="ascii", newline="\n") as f:
        buf = []
        for _ in range(lines):
            t += r.expovariate(25.0)
            sec = int(t)
            stamp = cache.get(sec)
            if stamp is None:
                d = t0 + dt.timedelta(seconds=sec)
                stamp = "%02d/%s/%04d:%02d:%02d:%02d %s" % (d.day, MONTHS[d.month - 1], d.year, d.hour, d.minute,
                                                            d.second, tzs)
                cache = {sec: stamp}
            addr = zipf_pick(r, v6) if r.random() < 0.2 else zipf_pick(r, v4)
            ua = UAS[int(hashlib.md5(addr.encode()).hexdigest()[:4], 16) % len(UAS)]     # stable per client
            x = r.random()
            if x < 0.15:
                ref = "-"
            elif x < 0.5:
                ref = ref_internal(r)
            elif x < 0.8:
                ref = weighted(r, ((ref_google, 5), (ref_bing, 3), (ref_other_search, 3)))(r)
            else:
                ref = ref_social(r)
            target = r.choice(popular) if r.random() < 0.2 else request_with_query(r)
            if r.random() < planted_share:
                n_planted += 1
                if planted_abs and r.random() < 0.25:
                    ref = r.choice(planted_abs)
                else:
                    p = r.choice(planted_rel)
                    target = p if "?" in p else p + "?lang=en"
            method = "GET" if r.random() < 0.93 else r.choice(("HEAD", "POST"))
            status = r.choice((200,) * 40 + (304,) * 5 + (301, 302, 404, 404, 403, 500))
            size = 0 if method == "HEAD" or status == 304 else int(r.lognormvariate(8.5, 1.2))
            buf.append('%s - - [%s] "%s %s HTTP/1.1" %d %d "%s" "%s"' % (addr, stamp, method, target, status, size, ref, ua))
            if len(buf) >= 4096:
                f.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            f.write("\n".join(buf) + "\n")
    return n_planted


# --------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--control", help="write the control corpus (URL<TAB>KIND) here")
    p.add_argument("--control-count", type=int, default=3300)
    p.add_argument("--planted", help="write the planted corpus (URL<TAB>CATEGORY<TAB>VALUE...) here")
    p.add_argument("--landings", help="write the nested-landing pieces that must survive (URL<TAB>TEXT) here")
    p.add_argument("--log", help="write a query-heavy combined-format access log here")
    p.add_argument("--lines", type=int, default=100000)
    p.add_argument("--planted-share", type=float, default=0.01)
    p.add_argument("--start", default="2026-10-10T00:00:00+02:00")
    args = p.parse_args(argv)
    if not (args.control or args.planted or args.landings or args.log):
        p.error("nothing to write: give --control, --planted, --landings and/or --log")
    if args.control:
        rows = control_corpus(args.seed, args.control_count)
        with open(args.control, "w", encoding="ascii", newline="\n") as f:
            for url, kind in rows:
                f.write("%s\t%s\n" % (url, kind))
        h = sum(k != "plain" for _u, k in rows)
        print("control: %d URLs, %d homonyms (%.1f%%)" % (len(rows), h, 100.0 * h / len(rows)), file=sys.stderr)
    if args.planted or args.landings:
        rows, landings = planted_corpus(args.seed)
        if args.planted:
            with open(args.planted, "w", encoding="ascii", newline="\n") as f:
                for url, cat, values in rows:
                    f.write("%s\t%s\t%s\n" % (url, cat, "\t".join(values)))
            print("planted: %d URLs" % len(rows), file=sys.stderr)
        if args.landings:
            with open(args.landings, "w", encoding="ascii", newline="\n") as f:
                for url, text in landings:
                    f.write("%s\t%s\n" % (url, text))
    if args.log:
        n = write_log(args.log, args.seed, args.lines, args.planted_share, args.start)
        print("log: %d lines, %d with planted personal data" % (args.lines, n), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
