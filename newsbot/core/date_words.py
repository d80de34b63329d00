"""The words dateparser (ru, en) can read a date from: a generated table, checked by tests.

Why: ``core/dates.py`` hands a string to dateparser only when it may hold a date dateparser
reads, so that an ordinary paragraph («Фото: Иван 2») never loads dateparser (0.2–0.7 s a run).
dateparser reads a string only when every word of it is in one language's dictionary, so a
string qualifies when it has a month, weekday or relative-day word, or when all its words are
dateparser's other words (units, skip words, numerals, time-zone names). The lists are
dateparser's own data (``tests/test_dates_longtail.py`` regenerates them from the installed
dateparser and fails when a word is missing), in lower case, accents folded as dateparser does.
"""

from __future__ import annotations

from typing import Final

#: Month and weekday names and abbreviations, relative days («вчера», «today»), «назад»/«ago».
# fmt: off
DATE_WORDS: Final = frozenset(
    {
        "ago", "apr", "april", "aug", "august", "before", "dec", "december", "feb", "february",
        "fr", "fri", "friday", "jan", "january", "jul", "july", "jun", "june", "mar", "march",
        "may", "mo", "mon", "monday", "nov", "november", "now", "oct", "october", "sa", "sat",
        "saturday", "sep", "sept", "september", "su", "sun", "sunday", "th", "thu", "thursday",
        "today", "tomorrow", "tu", "tue", "tues", "tuesday", "we", "wed", "wednesday",
        "yesterday", "авг", "август", "августа", "апр", "апрель", "апреля", "воскресение",
        "воскресенье", "вс", "вск", "вт", "вторник", "втр", "вчера", "дек", "декабрь",
        "декабря", "завтра", "июл", "июль", "июля", "июн", "июнь", "июня", "маи", "май", "мар",
        "март", "марта", "мая", "назад", "ноя", "нояб", "ноябрь", "ноября", "окт", "октябрь",
        "октября", "пн", "пнд", "позавчера", "понедельник", "послезавтра", "послепослезавтра",
        "пт", "птн", "пятница", "пятницу", "сб", "сбт", "сегодня", "сен", "сент", "сентябрь",
        "сентября", "ср", "срд", "среда", "среду", "суббота", "субботу", "фев", "февр",
        "февраль", "февраля", "четверг", "чт", "чтв", "янв", "январь", "января"
    }
)

#: Every other word of dateparser's ru and en data: units, skip words, numerals, parts of
#: relative phrases, am/pm, time-zone abbreviations.
OTHER_WORDS: Final = frozenset(
    {
        "a", "about", "acdt", "acst", "act", "acwdt", "acwst", "ad", "addt", "admt", "adt",
        "aedt", "aest", "aft", "after", "afternoon", "ahdt", "ahst", "akdt", "akst", "aktst",
        "aktt", "almst", "almt", "am", "amst", "amt", "an", "anast", "anat", "and", "ant",
        "apt", "aqtst", "aqtt", "arst", "art", "ashst", "asht", "ast", "at", "awdt", "awst",
        "awt", "azomt", "azost", "azot", "azst", "azt", "b", "bakst", "bakt", "bat", "bdst",
        "bdt", "beat", "beaut", "biot", "bmt", "bnt", "bort", "bost", "bot", "brst", "brt",
        "bst", "btt", "burt", "by", "cant", "capt", "cast", "cat", "cawt", "cct", "cddt", "cdt",
        "cedt", "cemt", "centur", "centuries", "century", "cest", "cet", "cgst", "cgt", "chadt",
        "chast", "chdt", "chost", "chot", "chst", "cist", "ckhst", "ckt", "clst", "clt", "cmt",
        "cost", "cot", "cpt", "cst", "cut", "cvst", "cvt", "cwt", "cxt", "d", "dact", "date",
        "davt", "day", "days", "ddut", "decade", "decades", "dft", "dmt", "dusst", "dust",
        "early", "easst", "east", "eat", "ect", "eddt", "edt", "eedt", "eest", "eet", "egst",
        "egt", "ehdt", "eight", "eighteen", "eighty", "eleven", "emt", "ept", "est", "et",
        "evening", "ewt", "fet", "ffmt", "fifteen", "fifty", "five", "fjst", "fjt", "fkst",
        "fkt", "fmt", "fnst", "fnt", "fort", "fortnight", "fortnights", "forty", "four",
        "fourteen", "from", "frust", "frut", "galt", "gamt", "gbgt", "gest", "get", "gft",
        "ghst", "gilt", "git", "gmt", "gst", "gyt", "h", "haa", "hac", "hadt", "hae", "hap",
        "har", "hast", "hat", "hay", "hdt", "hkst", "hkt", "hlv", "hmt", "hna", "hnc", "hne",
        "hnp", "hnr", "hnt", "hny", "hour", "hours", "hovst", "hovt", "hr", "hrs", "hst",
        "hundred", "ict", "iddt", "idt", "ies", "ihst", "imt", "in", "iot", "irdt", "irkst",
        "irkt", "irst", "isst", "ist", "javt", "jcst", "jdt", "jmt", "jst", "just", "jwst",
        "kart", "kdt", "kgst", "kgt", "kizst", "kizt", "kmt", "kost", "krast", "krat", "kst",
        "kuyst", "kuyt", "kwat", "last", "later", "less", "lhdt", "lhst", "lint", "lkt", "lmt",
        "lrt", "lst", "m", "madmt", "madst", "madt", "magst", "magt", "malst", "malt", "mart",
        "mawt", "mddt", "mdst", "mdt", "mest", "mesz", "met", "mez", "mht", "midnight", "min",
        "mins", "minute", "minutes", "mist", "mit", "mmt", "mons", "month", "months", "morning",
        "mos", "most", "mot", "mpt", "msd", "msk", "msm", "mst", "mth", "must", "mut", "mvt",
        "mwt", "myt", "ncst", "nct", "nd", "nddt", "ndt", "negt", "nest", "net", "next", "nft",
        "night", "nine", "nineteen", "ninety", "nmt", "noon", "novst", "novt", "npt", "nrt",
        "nst", "nt", "nut", "nwt", "nzdt", "nzmt", "nzst", "of", "omsst", "omst", "on", "one",
        "orast", "orat", "ordinal", "p", "pddt", "pdt", "pest", "pet", "petst", "pett", "pgt",
        "phot", "phst", "pht", "pkst", "pkt", "plmt", "pm", "pmdt", "pmmt", "pmst", "pmt",
        "pnt", "pont", "ppmt", "ppt", "pst", "pt", "pwt", "pyst", "pyt", "qmt", "qyzst", "qyzt",
        "rd", "ret", "rmt", "rott", "s", "sakst", "sakt", "samt", "sast", "sbt", "sct", "sdmt",
        "sdt", "sec", "second", "seconds", "secs", "selc", "selč", "set", "seven", "seventeen",
        "seventy", "seč", "sgt", "shest", "shet", "six", "sixteen", "sixty", "sjmt", "slt",
        "small", "smt", "sret", "srt", "sst", "st", "stat", "svest", "svet", "swat", "syot",
        "t", "taht", "tasst", "tast", "tbist", "tbit", "tbmt", "ten", "tft", "tha", "than",
        "the", "thirteen", "thirty", "this", "three", "till", "time", "tjt", "tkt", "tlt",
        "tmt", "tonight", "tost", "tot", "trst", "trt", "tsat", "tvt", "twelve", "twenty",
        "two", "ulast", "ulat", "urast", "urat", "ut", "utc", "uyhst", "uyst", "uyt", "uzst",
        "uzt", "vec", "vet", "več", "vlast", "vlat", "volst", "volt", "vost", "vust", "vut",
        "w", "warst", "wart", "wast", "wat", "wdt", "wedt", "wee", "week", "weeks", "wemt",
        "west", "wet", "wft", "wgst", "wgt", "wib", "wit", "wita", "wk", "wks", "wmt", "wsdt",
        "wsst", "wst", "wt", "xjt", "y", "yakst", "yakt", "yapt", "yddt", "ydt", "year",
        "years", "yekst", "yekt", "yerst", "yert", "ypt", "yr", "yrs", "yst", "ywt", "z", "zec",
        "zeč", "zzz", "а", "ам", "ами", "ах", "ая", "в", "во", "восем", "восемь", "восемью",
        "восьм", "восьмая", "восьми", "восьмого", "восьмое", "восьмои", "восьмой", "восьмом",
        "восьмому", "восьмою", "восьмую", "восьмые", "восьмым", "восьмыми", "восьмых",
        "восьмьею", "восьмью", "втор", "вторая", "второго", "второе", "второи", "второй",
        "втором", "второму", "вторую", "вторые", "вторым", "вторыми", "вторых", "г", "год",
        "года", "году", "д", "дв", "два", "двадцат", "двадцатое", "двадцать", "две",
        "двенадцать", "двое", "двум", "двумя", "двух", "девят", "девятая", "девяти", "девятого",
        "девятое", "девятои", "девятой", "девятом", "девятому", "девятою", "девятую", "девятые",
        "девятыи", "девятый", "девятым", "девятыми", "девятых", "девять", "девятью", "день",
        "десять", "дн", "днеи", "дней", "дня", "дп", "е", "его", "еи", "ей", "ем", "ему", "емя",
        "етье", "ех", "ею", "и", "им", "ими", "ин", "их", "й", "к", "ка", "ки", "ковое", "лет",
        "мес", "месяц", "месяца", "месяце", "месяцев", "мин", "минут", "минута", "минуту",
        "минуты", "на", "нед", "недел", "неделе", "недели", "недель", "неделю", "неделя", "нем",
        "несколько", "ни", "ним", "но", "ного", "нои", "ной", "ному", "ною", "ну", "ого", "од",
        "один", "одиннадцать", "одна", "однем", "одни", "одним", "одно", "одного", "однои",
        "одной", "одному", "одною", "одну", "ое", "ои", "ой", "ок", "около", "ом", "ому", "ою",
        "пар", "пара", "парам", "парами", "парах", "паре", "парои", "парой", "парою", "пару",
        "пары", "перв", "первая", "первого", "первое", "первои", "первой", "первом", "первому",
        "первую", "первые", "первым", "первыми", "первых", "полгода", "полтора", "полчаса",
        "пп", "пр", "примерно", "прошлои", "прошлой", "прошлом", "пят", "пятая", "пяти",
        "пятидесятое", "пятнадцать", "пятого", "пятое", "пятои", "пятой", "пятом", "пятому",
        "пятою", "пятую", "пятые", "пятыи", "пятый", "пятым", "пятыми", "пятых", "пять",
        "пятьдесят", "пятью", "с", "седьм", "седьмая", "седьмого", "седьмое", "седьмои",
        "седьмой", "седьмом", "седьмому", "седьмою", "седьмую", "седьмые", "седьмым",
        "седьмыми", "седьмых", "сеичас", "сейчас", "сек", "секунд", "секунда", "секунду",
        "секунды", "сем", "семи", "семь", "семью", "сл", "след", "следующеи", "следующей",
        "следующем", "соро", "сорок", "сорока", "сороковое", "спустя", "сут", "сутки", "суток",
        "течение", "тр", "трем", "тремя", "трети", "третие", "третиего", "третиеи", "третией",
        "третием", "третиему", "третиею", "третии", "третиим", "третиими", "третиих", "третий",
        "третиую", "третия", "третье", "трех", "три", "тридцат", "тридцатое", "тридцать",
        "трём", "трёх", "у", "ум", "умя", "ух", "уы", "ую", "ч", "час", "часа", "часе", "часов",
        "часы", "через", "четверт", "четвертая", "четвертого", "четвертое", "четвертои",
        "четвертой", "четвертом", "четвертому", "четвертою", "четвертую", "четвертые",
        "четвертыи", "четвертый", "четвертым", "четвертыми", "четвертых", "четвёрт",
        "четвёртая", "четвёртого", "четвёртое", "четвёртой", "четвёртом", "четвёртому",
        "четвёртою", "четвёртую", "четвёртые", "четвёртый", "четвёртым", "четвёртыми",
        "четвёртых", "четыр", "четыре", "четырем", "четырех", "четырьмя", "четырём", "четырёх",
        "шест", "шестая", "шести", "шестого", "шестое", "шестои", "шестой", "шестом", "шестому",
        "шестою", "шестую", "шестые", "шестыи", "шестый", "шестым", "шестыми", "шестых",
        "шесть", "шестью", "ы", "ые", "ыи", "ый", "ым", "ыми", "ых", "ь", "ьею", "ьмя", "ью",
        "эт", "этои", "этой", "этом", "этот", "эту", "юи", "я", "ём", "ёх"
    }
)
# fmt: on
