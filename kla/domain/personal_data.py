"""Personal data in a text: whether a value someone typed or pasted names, reaches or identifies
a person (a child victim, a parent), and why. Pure.

The UPTD PPA case registry keeps no personal data of the child; every free-text value it stores
passes ``personal_data`` on every path (form, Excel import, CLI). The check is by rule, so that
each refusal can be explained, and it is deliberately strict (a refused legitimate value costs
a retyped code; a stored NIK cannot be taken back).

The text is normalised first (``normalise``):

- format characters (zero-width space and joiner, soft hyphen, BOM) are removed;
- NFKC: full-width letters and digits and the full-width at sign become ASCII (``０８１２`` →
  ``0812``, ``＠`` → ``@``), as do superscript, circled and mathematical letters and digits;
- every other decimal digit (Arabic-Indic ``٠٨١٢``, Devanagari, …) becomes its ASCII digit;
- accents are dropped (``Sîti`` → ``Siti``), Cyrillic and Greek look-alike letters become Latin
  (``Ѕіtі`` → ``Siti``), every kind of dash becomes ``-`` and every space a space.

Then, in this order (the first kind found is the reason given):

``email``
    an at sign between a name and a domain (``x@mail``, also ``＠``, ``[at]``, ``(at)``,
    ``{at}``, ``x at mail dot com``, ``[dot]``/``(dot)``), an account handle (``@siti_a``) or a
    free-mail domain (``gmail``, ``yahoo``…) after a name.
``nik``
    a number of 16 digits or more, once spaces, dashes, dots, slashes, parentheses and ``+``
    between digits are removed (``3201 2345 6789 0001``, ``3201-2345-6789-0001``, glued to
    letters: ``NIK3201234567890001``); ``NIK``/``KTP``/``NKK`` followed by 6 digits or more;
    16 digits spelled out (``tiga dua nol satu …``).
``phone``
    such a number of 9 to 15 digits (mobile ``0812…``, ``62812…``, ``+62 812…``, landlines with
    their area code ``(021) 5551234``): no case code holds 9 digits in a row; 6 digits or more
    after ``HP``, ``WA``, ``Telp``, ``Tel``, ``Kontak``…; 9 or more digits spelled out.
``address``
    ``Jl.``/``Jln``/``Jalan X``, ``Gg.``/``Gang X``, ``RT``/``RW`` with a number, ``No. 5`` (a house
    number: not followed by ``/`` or ``-``, as in ``No. 15/PPA/2024``), ``Kp.``/``Kampung X``,
    ``Dusun``/``Dsn.``, ``Perum``/``Perumahan``, ``Komplek``, ``Blok X``.
``name``
    ``bin``/``binti``/``bt.`` before a name, ``alias``/``als.``, ``anak dari X``, ``nama: …``; an
    honorific (``Bpk``, ``Bapak``, ``Pak``, ``Ibu``, ``Bu``, ``Sdr``, ``Sdri``, ``An.``, ``Tn.``,
    ``Ny.``, ``Nn.``, ``Mas``, ``Mbak``, ``Kak``) before a capitalised word; two or more capitalised
    words in a row (``Siti Aminah``, ``SITI-AMINAH``; in capitals a word needs two vowels, so
    that codes such as ``SRG`` or ``KDRT`` are no name) that are not known words of places,
    agencies, months or case categories (``Kota Serang``, ``UPTD PPA``, ``Dinas Sosial``) nor
    up to three words after a place lead (``Kec. Cipocok Jaya``, ``Puskesmas Kramat Watu``).

Not detected: a single given name alone (``Budi``), names in other scripts, digits written with
letters (``O812…``). The reason (a ``Msg``, one key per kind: ``err.personal.<kind>``) never
quotes the text.
"""

from __future__ import annotations

import re
import unicodedata

from kla.i18n import Msg

KINDS = ("email", "nik", "phone", "address", "name")
NIK_DIGITS = 16  # a NIK (and a KK number) has 16 digits
PHONE_DIGITS = 9  # the shortest phone number with its area code: (021) 555123
PREFIXED_DIGITS = 6  # after HP / WA / Telp: a local number without its area code

# Cyrillic and Greek letters that look like Latin ones.
_LOOKALIKE = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеіјорсуххѕԁɡΑΒΕΖΗΙΚΜΝΟΡΤΥΧαονρτυχκι",
    "ABESIJKMHOPCTXYaeijopcyxxsdgABEZHIKMNOPTYXaovptuxki")
# Between two digits of one number: spaces, dashes, dots, slashes, parentheses, plus, underscore.
_NUMBER = re.compile(r"[0-9](?:[ \-./()+_]{0,3}[0-9])*")
_PHONE_PREFIX = re.compile(
    r"(?i)\b(?:hp|wa|whatsapp|telp|tlp|telpon|telepon|tel|phone|ponsel|handphone|kontak|"
    r"contact)[\s.:=+()#-]*$")
_MONEY_PREFIX = re.compile(r"(?i)\b(?:rp|idr)[\s.:]*$")
_ID_PREFIX = re.compile(r"(?i)\b(?:nik|ktp|nkk|no\.?\s*kk)[\s.:=#-]*$")
_SPELLED = {w: str(d) for d, ws in enumerate((
    ("nol", "kosong", "zero", "oh"), ("satu", "one"), ("dua", "two"), ("tiga", "three"),
    ("empat", "four"), ("lima", "five"), ("enam", "six"), ("tujuh", "seven"),
    ("delapan", "eight"), ("sembilan", "nine"))) for w in ws}
_SPELLED_RUN = re.compile(r"(?i)\b(?:(?:%s)\b[\s,.\-]*){%d,}" % (
    "|".join(sorted(_SPELLED, key=len, reverse=True)), PHONE_DIGITS))

# Every pattern is anchored by a keyword or bounded, so that a long text is read in linear time.
_AT = re.compile(r"(?i)[\[({<][ \t]{0,3}(?:at|et|@)[ \t]{0,3}[\])}>]")
_DOT = re.compile(r"(?i)[\[({<][ \t]{0,3}(?:dot|titik|\.)[ \t]{0,3}[\])}>]")
_EMAIL = re.compile(r"[\w.+-]\s{0,3}@\s{0,3}[A-Za-z][\w-]")
_HANDLE = re.compile(r"(?<![\w.])@[A-Za-z0-9_][A-Za-z0-9_.]{2}")
_WORD_AT = re.compile(
    r"(?i)(?<![a-z0-9._+-])[a-z0-9._+-]++[ \t]{1,3}(?:at|et)[ \t]{1,3}[a-z0-9-]++"
    r"(?:[ \t]{0,3}\.[ \t]{0,3}[a-z]{2}|[ \t]{1,3}(?:dot|titik)[ \t]{1,3}[a-z]{2})")
_FREE_MAIL = re.compile(
    r"(?i)\b(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|icloud|rocketmail)\b")
_MAIL_USER = re.compile(r"[\w.+-][ \t@]{0,3}$")

_S = r"\s{0,3}"  # a few spaces
_ADDRESS = re.compile("|".join((
    r"(?i:\bjln?\b)\.?" + _S + r"[A-Za-z0-9]",
    r"(?i:\bjalan\b)\s{1,3}[A-Z0-9]",
    r"(?i:\bgg\.)" + _S + r"[A-Za-z0-9]", r"(?i:\bgg\b)\s{1,3}[A-Z0-9]",
    r"(?i:\bgang\b)\s{1,3}[A-Z0-9]",
    r"(?i:\br[tw](?![a-z]))\.?" + _S + r"[:.]?" + _S + r"[0-9]",
    r"(?i:\brt" + _S + "/" + _S + r"rw\b)\.?" + _S + r"[:.]?" + _S + r"[0-9]",
    r"\b(?:No|NO)\.?\s?[0-9]{1,4}[A-Za-z]?(?![\w/.-])",
    r"(?i:\bkp\.)" + _S + r"[A-Za-z]", r"(?i:\bkp\b)\s{1,3}[A-Z]",
    r"(?i:\bkampung\b)\s{1,3}[A-Z]",
    r"(?i:\b(?:dusun\b|dsn\b\.?))" + _S + r"[A-Z0-9]",
    r"(?i:\b(?:perum|perumahan)\b)\.?\s{1,3}[A-Z0-9]",
    r"(?i:\b(?:komplek\b|kompleks\b|komp\.))" + _S + r"[A-Z0-9]",
    r"(?i:\bblok\b)\s{1,3}[A-Z0-9]",
)))
_SEP = r"[\s.\-/]{1,3}"
_NAME_RULE = re.compile("|".join((
    r"(?i:\b(?:bin|binti)\b)" + _SEP + r"[A-Za-z]",
    r"(?i:\bbt\.)" + _S + r"[A-Za-z]",
    r"(?i:\b(?:alias\b|als\.))" + _S + r"[:=]?" + _S + r"[A-Za-z]",
    r"(?i:\banak\s{1,3}(?:dari|dr\.?)\s{1,3})[A-Z]",
    r"(?i:\bnama(?:\s{1,3}(?:anak|korban|pelaku|pelapor|ibu|ayah|orang\s?tua|ortu|wali))?"
    + _S + r"[:=])" + _S + r"[A-Za-z]",
)))
_HONORIFIC = re.compile(
    r"(?i:\b(?:bpk|bapak|pak|ibu|bu|sdr|sdri|saudara|saudari|tn|tuan|ny|nyonya|nn|nona|"
    r"mas|mbak|kak|kakak|adik|dik)\b\.?|\ban\.)[\s.\-/]{0,3}([A-Za-z']+)")
_WORD = re.compile(r"[A-Za-z']+")
_TITLE = re.compile(r"[A-Z][a-z']+")
_CAPS = re.compile(r"(?=(?:[^AEIOU]*[AEIOU]){2})[A-Z']{3,}")  # a name has two vowels or more
_ROMAN = re.compile(r"(?i)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_GAP = re.compile(r"[ \t]{1,3}|[ \t]?[-/.][ \t]?")

# Capitalised words that name no person: places (the provinces and larger cities), agencies,
# services, case categories, months and days, and common words of a case record.
KNOWN_WORDS = frozenset("""
aceh sumatera sumatra utara barat selatan timur tengah tenggara daya laut riau kepulauan jambi
bengkulu lampung bangka belitung dki jakarta jawa di daerah istimewa yogyakarta jogja banten
bali nusa kalimantan sulawesi gorontalo maluku papua pegunungan raya indonesia republik
serang metro cilegon tangerang pandeglang lebak bandung bogor bekasi depok cimahi sukabumi
cirebon tasikmalaya garut surabaya malang semarang surakarta solo medan makassar palembang
padang pekanbaru batam denpasar pontianak banjarmasin samarinda balikpapan manado kupang
mataram ambon jayapura bandar tanjung pinang kediri blitar madiun magelang tegal pekalongan
kota kabupaten kab kec kecamatan kel kelurahan desa kampung provinsi prov wilayah pusat
nasional kementerian kemenpppa kemensos kemenkes kpai kpad lpsk komnas
uptd ppa pppa dppa dp3a dp3akb dpppa dpppapp dpppappkb dppkb dinas dinsos dinkes disdik
disdukcapil dukcapil bappeda satpol pp sosial kesehatan pendidikan kebudayaan pemberdayaan
perempuan perlindungan anak keluarga berencana kependudukan pencatatan sipil unit pelaksana
teknis pelayanan layanan terpadu polda polres polresta polrestabes polsek polisi kepolisian
resor sektor reskrim satreskrim pidana umum khusus rsud rsu rs rumah sakit puskesmas klinik
pengadilan negeri agama kejaksaan kejari lapas lpka bapas lpks lksa panti sekolah sd smp sma
smk mi mts ma paud tk dasar menengah pertama atas kejuruan swasta madrasah pesantren pondok
puspaga patbm rira forum pusat pembelajaran konseling psikolog psikologi pendamping pekerja
peksos advokat hukum bantuan lbh lembaga balai kantor badan bagian bidang seksi subbag
laporan lapor pengaduan aduan kasus perkara register registrasi reg nomor kode rujukan
rekap data catatan keterangan status proses selesai ditangani dirujuk ditutup baru lama
kekerasan fisik psikis seksual penelantaran eksploitasi ekonomi perdagangan orang tppo kdrt
abh abk pelecehan pencabulan perundungan bullying pernikahan perkawinan usia dini lainnya
korban pelaku pelapor saksi terlapor ayah ibu orang tua wali kandung tiri angkat asuh hamil
rumah tangga negara tim reaksi cepat satgas satuan tugas gugus posko pos relawan kader
laki perempuan pria wanita
januari februari maret april mei juni juli agustus september oktober november desember
january february march june july august october december
jan feb mar apr jun jul agu ags agt aug sep sept okt oct nov des dec
senin selasa rabu kamis jumat sabtu minggu ahad
tahun bulan tanggal tgl minggu hari jam tanggal
dan atau yang dari ke pada untuk oleh dalam dengan tanpa sudah belum tidak ya
the of and for case report police
""".split())


# Capitalised words after these (at most PLACE_WORDS) name a place or a unit (Kec. Cipocok Jaya,
# Desa Sukamaju, Puskesmas Kramat Watu), not a person.
PLACE_WORDS = 3
PLACE_LEADS = frozenset("""
kota kabupaten kab kecamatan kec kelurahan kel desa provinsi prov polres polresta polsek
puskesmas rsud sd smp sma smk mi mts paud tk
""".split())


def normalise(text: object) -> str:
    """``text`` as the rules read it: format characters removed, NFKC, every decimal digit in
    ASCII, accents dropped, look-alike letters Latin, dashes ``-`` and spaces `` ``."""
    raw = "" if text is None else str(text)
    raw = "".join(ch for ch in raw if unicodedata.category(ch) != "Cf")
    out = []
    for ch in unicodedata.normalize("NFKC", raw):
        if ch.isascii():
            out.append(ch)
            continue
        digit = unicodedata.decimal(ch, None)
        category = unicodedata.category(ch)
        if digit is not None:
            out.append(str(digit))
        elif category == "Pd" or ch == "\u2212":
            out.append("-")
        elif category == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    text = unicodedata.normalize("NFKD", "".join(out).translate(_LOOKALIKE))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def numbers(text: str) -> list[tuple[int, str]]:
    """The numbers of a normalised text: (start, its digits), digits joined across spaces,
    dashes, dots, slashes, parentheses and ``+`` between them (at most 3 such characters)."""
    return [(m.start(), re.sub("[^0-9]", "", m.group())) for m in _NUMBER.finditer(text)]


def longest_number(text: object) -> int:
    """The most digits of one number in ``text`` (``numbers`` joins them), 0 without any."""
    return max((len(d) for _, d in numbers(normalise(text))), default=0)


def _spelled(text: str) -> str | None:
    for m in _SPELLED_RUN.finditer(text):
        n = len(re.findall(r"[A-Za-z]+", m.group()))
        return "nik" if n >= NIK_DIGITS else "phone"
    return None


def _number_kind(text: str) -> str | None:
    for start, digits in numbers(text):
        before = text[max(0, start - 16):start]
        if _MONEY_PREFIX.search(before) and len(digits) < NIK_DIGITS:
            continue  # an amount of money: Rp 1.500.000.000
        if len(digits) >= NIK_DIGITS:
            return "nik"
        if len(digits) >= PREFIXED_DIGITS and _ID_PREFIX.search(before):
            return "nik"
        if len(digits) >= PHONE_DIGITS:
            return "phone"
        if len(digits) >= PREFIXED_DIGITS and _PHONE_PREFIX.search(before):
            return "phone"
    return _spelled(text)


def _is_email(text: str) -> bool:
    text = _DOT.sub(".", _AT.sub("@", text))
    if _EMAIL.search(text) or _HANDLE.search(text) or _WORD_AT.search(text):
        return True
    return any(_MAIL_USER.search(text[max(0, m.start() - 4):m.start()])
               for m in _FREE_MAIL.finditer(text))


def _name_like(word: str) -> bool:
    """A capitalised word (``Siti``, ``SITI``) that is no known word and no Roman numeral."""
    w = word.strip("'")
    if not (_TITLE.fullmatch(w) or _CAPS.fullmatch(w)):
        return False
    return w.lower() not in KNOWN_WORDS and not _ROMAN.fullmatch(w)


def _is_name(text: str) -> bool:
    if _NAME_RULE.search(text):
        return True
    if any(_name_like(m.group(1)) for m in _HONORIFIC.finditer(text)):
        return True
    run, end, place = 0, None, 0  # place: words of a place name still allowed after its lead
    for m in _WORD.finditer(text):
        word = m.group()
        joined = end is not None and _GAP.fullmatch(text[end:m.start()]) is not None
        lead = word.lower() in PLACE_LEADS
        if not (joined and word[:1].isupper()):
            place = 0
        if _name_like(word) and not place:
            run = run + 1 if joined and run else 1
            if run >= 2:
                return True
        else:
            run = 0
        place = PLACE_WORDS if lead else max(0, place - 1)
        end = m.end()
    return False


def kind_of(text: object) -> str | None:
    """The kind of personal data ``text`` holds (one of ``KINDS``, the first found in that
    order), or None."""
    norm = normalise(text)
    if not norm.strip():
        return None
    if _is_email(norm):
        return "email"
    number = _number_kind(norm)
    if number:
        return number
    if _ADDRESS.search(norm):
        return "address"
    if _is_name(norm):
        return "name"
    return None


def message(kind: str) -> Msg:
    """The reason for a kind of personal data; it never quotes the text."""
    return {"email": Msg("err.personal.email"), "nik": Msg("err.personal.nik"),
            "phone": Msg("err.personal.phone"), "address": Msg("err.personal.address"),
            "name": Msg("err.personal.name")}[kind]


def personal_data(text: object) -> Msg | None:
    """Why ``text`` cannot be stored where no personal data may be (``err.personal.<kind>``,
    without quoting it), or None."""
    kind = kind_of(text)
    return message(kind) if kind else None
