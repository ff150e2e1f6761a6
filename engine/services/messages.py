"""Diagnostics in English and Russian: every code with its meaning, every message with its
translation.

`CODES` is the registry of the diagnostic codes rexcheck produces (the `[code]` at the end of
each line), each with what it means in English and in Russian; the codes that come from
pydantic's validation (`int-parsing`, `literal-error`, ...) are registered from pydantic's own
list, each with a Russian text. `RU` translates each message and hint the code base writes,
keyed by its English template (`{}` for each value put in); pydantic's messages are translated
by their type. `localise(diagnostic, "ru")` gives the Russian diagnostic, `format_line` the
line as a user reads it. tests/test_messages.py checks that every code in use is registered
with both texts and that every message template in the code base has its translation.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import replace
from typing import Any

from rexcheck.facts.base.errors import Diagnostic

LANGUAGES = ("en", "ru")

# code -> (English, Russian): what a diagnostic of this code is about
CODES: dict[str, tuple[str, str]] = {
    # reading files
    "io": ("a file or folder cannot be read", "файл или папку невозможно прочитать"),
    "encoding": ("the bytes are not UTF-8 text", "байты не являются текстом UTF-8"),
    "too-large": ("the input is larger than allowed", "входные данные больше допустимого"),
    "too-many-values": ("a document, list or mapping holds more values than allowed",
                        "в документе, списке или отображении больше значений, чем допустимо"),
    "more-errors": ("more problems than are listed: the first are shown, the others counted",
                    "проблем больше, чем показано: показаны первые, остальные подсчитаны"),
    "nul": ("a text holds a NUL character", "текст содержит символ NUL"),
    "no-cases": ("a folder or file that holds no case", "папка или файл без единого дела"),
    "not-a-case-file": ("a file in a cases folder that is not a case file",
                        "файл в папке дел, который не является файлом дела"),
    "not-a-rule-file": ("a file in a rules tree that is not a rule file",
                        "файл в дереве правил, который не является файлом правил"),
    "too-deep": ("the input is nested deeper than allowed",
                 "вложенность входных данных глубже допустимой"),
    "yaml-syntax": ("the file is not valid YAML (indentation, quotes, brackets, colons)",
                    "файл не является корректным YAML (отступы, кавычки, скобки, двоеточия)"),
    "yaml-alias": ("YAML anchors and aliases are not allowed",
                   "якоря и ссылки YAML не допускаются"),
    "yaml-tag": ("YAML tags are not allowed", "теги YAML не допускаются"),
    "yaml-merge": ("YAML merge keys are not allowed", "ключи слияния YAML не допускаются"),
    "yaml-key": ("a YAML key must be a plain value", "ключ YAML должен быть простым значением"),
    "yaml-value": ("a value cannot be read (a day that does not exist, say)",
                   "значение невозможно прочитать (например, несуществующий день)"),
    "duplicate-key": ("a key is given twice", "ключ указан дважды"),
    "json": ("the record is not valid JSON", "запись не является корректным JSON"),
    "csv": ("the CSV row cannot be read", "строку CSV невозможно прочитать"),
    # shapes of files and fields
    "file-shape": ("the file does not have the shape of its kind", "файл не того вида"),
    "case-shape": ("a case file does not have the shape of a case",
                   "файл дела не имеет вида дела"),
    "bad-date": ("a date not written YYYY-MM-DD", "дата записана не в виде ГГГГ-ММ-ДД"),
    "misplaced-key": ("a key indented one level too deep", "ключ с лишним уровнем отступа"),
    "invalid": ("an invalid value", "недопустимое значение"),
    "blank": ("a required value left blank (or only spaces)",
              "обязательное значение оставлено пустым (или одни пробелы)"),
    "invisible": ("a text holds a control or invisible character (a zero-width space, say)",
                  "текст содержит управляющий или невидимый символ (например, пробел нулевой "
                  "ширины)"),
    "identifier": ("an identifier with a character that is not a Latin letter or digit "
                   "(a look-alike Cyrillic letter, say)",
                   "идентификатор с символом, который не является латинской буквой или цифрой "
                   "(например, похожая кириллическая буква)"),
    # the service (rexcheck serve)
    "bad-request": ("the request cannot be read", "запрос невозможно прочитать"),
    "bad-parameter": ("a request parameter is invalid", "параметр запроса недопустим"),
    "cross-site": ("a request from a page of another site",
                   "запрос со страницы другого сайта"),
    "unauthorized": ("the request has no valid access token",
                     "у запроса нет действительного токена доступа"),
    "timeout": ("the request or its answer took longer than allowed",
                "запрос или ответ на него занял больше допустимого времени"),
    "internal": ("the service failed on the request (its log says why)",
                 "служба не смогла обработать запрос (причина в её журнале)"),
    # rules trees
    "no-law": ("the rules tree has no law.yaml", "в папке правил нет law.yaml"),
    "no-rules": ("the rules tree has no rule files", "в папке правил нет файлов правил"),
    "unknown-act": ("an act law.yaml does not list", "акт, которого нет в law.yaml"),
    "unknown-version": ("a version law.yaml does not list", "редакция, которой нет в law.yaml"),
    "no-version": ("a rule in no version of its act", "правило не относится ни к одной редакции"),
    "duplicate-version": ("a version id used twice", "идентификатор редакции указан дважды"),
    "version-order": ("versions not in order of their dates", "редакции не по порядку дат"),
    "duplicate-id": ("a rule id used twice", "идентификатор правила использован дважды"),
    "duplicate-param": ("a parameter defined twice", "параметр определён дважды"),
    "duplicate-fact": ("a fact type defined twice", "тип факта определён дважды"),
    "duplicate-field": ("a field defined twice", "поле определено дважды"),
    "duplicate-alias": ("two matched facts with one alias",
                        "два сопоставленных факта с одним именем"),
    "unknown-fact": ("an unknown fact type", "неизвестный тип факта"),
    "unknown-field": ("an unknown field", "неизвестное поле"),
    "unknown-alias": ("a fact the rule does not match", "факт, который правило не сопоставляет"),
    "unknown-param": ("an unknown parameter", "неизвестный параметр"),
    "unknown-rule": ("an unknown rule id", "неизвестный идентификатор правила"),
    "bad-field": ("a field of the wrong kind", "поле не того вида"),
    "bad-condition": ("a condition that cannot be read", "условие, которое невозможно прочитать"),
    "bad-operator": ("an unknown or misplaced operator", "неизвестный или неуместный оператор"),
    "bad-value": ("a value of the wrong form", "значение не той формы"),
    "bad-pattern": ("a pattern that is not allowed", "недопустимый шаблон"),
    "bad-due": ("a due date that cannot be read", "срок, который невозможно прочитать"),
    "bad-message": ("a message or title naming what it cannot",
                    "сообщение или заголовок ссылается на недопустимое"),
    "bad-outcome": ("an outcome the documents do not have", "исход, которого нет у документов"),
    "bad-param": ("a parameter value that does not fit its unit",
                  "значение параметра не подходит к его единице"),
    "bad-period": ("dated values out of order", "датированные значения не по порядку"),
    "bad-part": ("a part the structure does not have", "часть, которой нет в структуре"),
    "overlapping-values": ("dated values that overlap", "датированные значения перекрываются"),
    "gap-in-values": ("days without a value", "дни без значения"),
    "param-not-in-force": ("a parameter without a value while its rule is in force",
                           "у параметра нет значения, пока действует правило"),
    "type-mismatch": ("values of different kinds compared", "сравниваются значения разных видов"),
    "join-in-any": ("a join with another fact inside 'any'",
                    "сравнение с другим фактом внутри 'any'"),
    "mixed-any": ("one 'any' testing several facts", "одно 'any' проверяет несколько фактов"),
    "negation-on-optional": ("'without' compared with a field that may be missing",
                             "'without' сравнивается с полем, которого может не быть"),
    "engine-limit": ("rules past a fixed limit of the engine's tables (docs/engine.md)",
                     "правила превышают фиксированный предел таблиц движка (docs/engine.md)"),
    "negation-cycle": ("rules that depend on the absence of what they derive",
                       "правила зависят от отсутствия того, что сами выводят"),
    "never-derived": ("a derived fact no rule derives",
                      "выводимый факт, который не выводит ни одно правило"),
    "never-set": ("a field no rule sets", "поле, которое не задаёт ни одно правило"),
    "never-produced": ("a derived fact used but never produced",
                       "выводимый факт используется, но не выводится"),
    "never-used": ("a derived fact produced but never used",
                   "выводимый факт выводится, но не используется"),
    "contradiction": ("tests that contradict each other", "проверки противоречат друг другу"),
    "untested-fires": ("a rule no test fires", "правило, которое не срабатывает ни в одном тесте"),
    "untested-silent": ("a rule no test shows silent",
                        "правило, молчание которого не показывает ни один тест"),
    "undocumented-reading": ("a reading not documented", "толкование не описано"),
    "missing-translation": ("a message without its Russian translation",
                            "сообщение без перевода на русский"),
    # citations against the law
    "no-such-paragraph": ("a cited paragraph the act does not have",
                          "цитируемого пункта нет в акте"),
    "quote-elsewhere": ("a quotation from another paragraph", "цитата из другого пункта"),
    "quote-not-found": ("a quotation not found in the law", "цитата не найдена в тексте акта"),
    "no-text-in-lang": ("no text of the act in the quotation's language",
                        "нет текста акта на языке цитаты"),
    "uncited-act": ("no text of the act ships with the packs", "текста акта нет в пакетах"),
    "law-texts": ("the manifest of the law texts is wrong", "перечень текстов актов неверен"),
    # rule tests and scenarios
    "bad-test": ("a rule test that cannot be built", "тест правила невозможно построить"),
    "bad-expectation": ("an expectation that cannot be checked",
                        "ожидание, которое невозможно проверить"),
    # cases
    "duplicate-case": ("a case id used twice", "идентификатор дела использован дважды"),
    "duplicate-ref": ("a record ref used twice in a case", "ссылка на запись повторяется в деле"),
    # the workbench's forms (engine/web/workbench/app.py)
    "bad-form": ("a form's field that cannot be read", "поле формы невозможно прочитать"),
    "no-case": ("no case given", "дело не передано"),
    "unknown-example": ("no shipped example of that name",
                        "нет поставляемого примера с таким именем"),
    "no-proposal": ("no proposal given", "предложение не передано"),
    "no-value": ("no new value given", "новое значение не указано"),
    "no-population": ("no population file chosen", "файл совокупности дел не выбран"),
    "bad-population": ("the population is not a list of cases",
                       "совокупность не является списком дел"),
    "unresolved-link": ("a reference to a record the case does not have",
                        "ссылка на запись, которой нет в деле"),
    "conflicting-link": ("two references that name different records",
                         "две ссылки указывают на разные записи"),
    "not-one-case": ("a file of several cases given where one is expected",
                     "файл с несколькими делами там, где ожидается одно"),
    "inconsistent-dates": ("a case whose steps come after its as-of date",
                           "шаги дела позже даты, на которую оно оценивается"),
    "outside-calendar": ("a date outside the calendar's years",
                         "дата вне лет, известных календарю"),
    "undetermined": ("a document no outcome rule decides", "документ, исход которого не решён"),
    "not-judged": ("a record no rule judges on its date",
                   "запись, которую на её дату не оценивает ни одно правило"),
    "engine": ("the engine could not evaluate the case", "движок не смог оценить дело"),
    "error": ("the case could not be judged", "дело невозможно оценить"),
    # audit logs
    "audit-log": ("the audit log cannot be used", "журнал аудита невозможно использовать"),
    "audit-line": ("a line of the audit log is wrong", "строка журнала аудита неверна"),
    "audit-chain": ("the audit log's chain is broken", "цепочка журнала аудита нарушена"),
    "audit-key": ("the audit key cannot be used", "ключ аудита невозможно использовать"),
    "audit-anchor": ("an anchor the audit log does not hold",
                     "якоря нет в журнале аудита"),
    "audit-decision": ("a logged decision that cannot be replayed",
                       "записанное решение невозможно воспроизвести"),
    # calendar pages
    "calendar": ("the calendar data is wrong", "данные календаря неверны"),
    "no-page": ("the documentation page is missing", "страницы документации нет"),
    "no-generated-section": ("the page has no generated section",
                             "на странице нет создаваемого раздела"),
}

# pydantic's error types -> Russian, with pydantic's own {placeholders}
PYDANTIC_RU: dict[str, str] = {
    "no_such_attribute": "у объекта нет атрибута '{attribute}'",
    "json_invalid": "некорректный JSON: {error}",
    "json_type": "JSON должен быть строкой или байтами",
    "needs_python_object": "нельзя проверить `{method_name}` при чтении JSON",
    "recursion_loop": "циклическая ссылка",
    "recursion_depth_exceeded": "превышена глубина вложенности",
    "missing": "поле обязательно",
    "frozen_field": "поле нельзя изменить",
    "frozen_instance": "объект нельзя изменить",
    "extra_forbidden": "лишние поля не допускаются",
    "invalid_key": "ключи должны быть строками",
    "get_attribute_error": "ошибка чтения атрибута: {error}",
    "model_type": "ожидается словарь (отображение) или {class_name}",
    "model_attributes_type": "ожидается словарь или объект с полями",
    "dataclass_type": "ожидается словарь или {class_name}",
    "dataclass_exact_type": "ожидается {class_name}",
    "named_tuple_type": "ожидается кортеж, список, словарь или {class_name}",
    "default_factory_not_called": "значение по умолчанию не вычислено из-за других ошибок",
    "none_required": "значение должно быть пустым (null)",
    "greater_than": "значение должно быть больше {gt}",
    "greater_than_equal": "значение должно быть не меньше {ge}",
    "less_than": "значение должно быть меньше {lt}",
    "less_than_equal": "значение должно быть не больше {le}",
    "multiple_of": "значение должно быть кратно {multiple_of}",
    "finite_number": "значение должно быть конечным числом",
    "too_short": "{field_type}: должно быть не менее {min_length} элемент(ов), а не "
                 "{actual_length}",
    "too_long": "{field_type}: должно быть не более {max_length} элемент(ов), а не "
                "{actual_length}",
    "iterable_type": "ожидается перечисляемое значение",
    "iteration_error": "ошибка перебора: {error}",
    "string_type": "ожидается строка",
    "string_unicode": "ожидается строка Unicode",
    "string_too_short": "строка должна содержать не менее {min_length} символ(ов)",
    "string_too_long": "строка должна содержать не более {max_length} символ(ов)",
    "string_pattern_mismatch": "строка должна соответствовать шаблону '{pattern}'",
    "string_not_ascii": "строка должна содержать только символы ASCII",
    "enum": "значение должно быть одним из: {expected}",
    "dict_type": "ожидается словарь (отображение)",
    "frozen_dict_type": "ожидается неизменяемый словарь",
    "ordered_dict_type": "ожидается упорядоченный словарь",
    "counter_type": "ожидается счётчик",
    "mapping_type": "ожидается отображение: {error}",
    "list_type": "ожидается список",
    "deque_type": "ожидается очередь",
    "tuple_type": "ожидается кортеж",
    "set_type": "ожидается множество",
    "set_item_not_hashable": "элементы множества должны быть хешируемыми",
    "bool_type": "ожидается логическое значение (true или false)",
    "bool_parsing": "ожидается логическое значение (true или false)",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "int_parsing_size": "целое число слишком велико",
    "int_from_float": "ожидается целое число, а не дробное",
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "bytes_type": "ожидаются байты",
    "bytes_too_short": "должно быть не менее {min_length} байт",
    "bytes_too_long": "должно быть не более {max_length} байт",
    "bytes_invalid_encoding": "данные должны быть в кодировке {encoding}: {encoding_error}",
    "value_error": "недопустимое значение: {error}",
    "assertion_error": "проверка не пройдена: {error}",
    "literal_error": "значение должно быть одним из: {expected}",
    "missing_sentinel_error": "ожидается значение MISSING",
    "ellipsis_error": "ожидается многоточие (Ellipsis)",
    "date_type": "ожидается дата",
    "date_parsing": "ожидается дата в виде ГГГГ-ММ-ДД, {error}",
    "date_from_datetime_parsing": "ожидается дата, {error}",
    "date_from_datetime_inexact": "у даты не должно быть времени",
    "date_past": "дата должна быть в прошлом",
    "date_future": "дата должна быть в будущем",
    "time_type": "ожидается время",
    "time_parsing": "ожидается время, {error}",
    "datetime_type": "ожидаются дата и время",
    "datetime_parsing": "ожидаются дата и время, {error}",
    "datetime_object_invalid": "некорректные дата и время: {error}",
    "datetime_from_date_parsing": "ожидаются дата и время или дата, {error}",
    "datetime_past": "момент должен быть в прошлом",
    "datetime_future": "момент должен быть в будущем",
    "timezone_naive": "момент не должен указывать часовой пояс",
    "timezone_aware": "момент должен указывать часовой пояс",
    "timezone_offset": "нужен сдвиг часового пояса {tz_expected}, получен {tz_actual}",
    "time_delta_type": "ожидается промежуток времени",
    "time_delta_parsing": "ожидается промежуток времени, {error}",
    "frozen_set_type": "ожидается неизменяемое множество",
    "is_instance_of": "ожидается {class}",
    "is_subclass_of": "ожидается подкласс {class}",
    "callable_type": "ожидается вызываемый объект",
    "union_tag_invalid": "метка '{tag}' ({discriminator}) не из ожидаемых: {expected_tags}",
    "union_tag_not_found": "не удалось прочитать метку {discriminator}",
    "arguments_type": "аргументы должны быть кортежем, списком или словарём",
    "missing_argument": "не хватает обязательного аргумента",
    "unexpected_keyword_argument": "лишний именованный аргумент",
    "missing_keyword_only_argument": "не хватает обязательного именованного аргумента",
    "unexpected_positional_argument": "лишний позиционный аргумент",
    "missing_positional_only_argument": "не хватает обязательного позиционного аргумента",
    "multiple_argument_values": "аргумент передан несколько раз",
    "url_type": "ожидается адрес URL",
    "url_parsing": "ожидается адрес URL, {error}",
    "url_syntax_violation": "адрес URL нарушает строгие правила, {error}",
    "url_too_long": "адрес URL должен содержать не более {max_length} символ(ов)",
    "url_scheme": "схема адреса URL должна быть: {expected_schemes}",
    "uuid_type": "ожидается UUID",
    "uuid_parsing": "ожидается UUID, {error}",
    "uuid_version": "ожидается UUID версии {expected_version}",
    "decimal_type": "ожидается десятичное число",
    "decimal_parsing": "ожидается десятичное число",
    "decimal_max_digits": "десятичное число должно иметь не более {max_digits} цифр(ы)",
    "decimal_max_places": "десятичное число должно иметь не более {decimal_places} знака(ов) "
                          "после запятой",
    "decimal_whole_digits": "десятичное число должно иметь не более {whole_digits} цифр(ы) до "
                            "запятой",
    "fraction_type": "ожидается дробь",
    "fraction_parsing": "некорректная дробь",
    "complex_type": "ожидается комплексное число",
    "complex_str_parsing": "ожидается строка комплексного числа",
    # facts/models.py CUSTOM_ERRORS: the kept items of Order 244 p.21-22
    "kept_item_link": "хранимый документ вида {kind} не может ссылаться на {field}; допустимо: "
                      "{allowed}",
    "kept_item_date": "для хранимого документа вида {kind} указывается день, когда он "
                      "{wanted}, а не '{field}'",
    "kept_item_twice": "хранимый документ либо уничтожен, либо утрачен, но не то и другое; "
                       "укажите дату того, что произошло",
    "kept_item_before": "{field} {value} раньше, чем документ поступил на хранение ({start})",
}


def pydantic_types() -> dict[str, str]:
    """pydantic's error types and their English message templates."""
    # only the registry of codes (lint, the tests) needs them, never a message's translation
    from pydantic_core._pydantic_core import list_all_errors
    from rexcheck.facts.models import CUSTOM_ERRORS

    return {**{e["type"]: e["message_template_python"] for e in list_all_errors()},
            **CUSTOM_ERRORS}


def registry() -> dict[str, tuple[str, str]]:
    """Every code a diagnostic may carry, with its English and Russian texts."""
    out = dict(CODES)
    for kind, english in pydantic_types().items():
        out.setdefault(kind.replace("_", "-"), (english, PYDANTIC_RU.get(kind, "")))
    return out


# English message or hint template -> Russian. `{}` stands for a value put in (a name, a
# number, a path), in the order the English gives them; `{0}`, `{1}` reorder them.
RU: dict[str, str] = {
    # facts/base/yamlsource.py
    "line {} is indented with a tab": "строка {} начинается с табуляции",
    "indent with spaces only; YAML does not accept tabs":
        "делайте отступы только пробелами; YAML не допускает табуляцию",
    "line {} is not lined up with the list it follows: its items have their '-' in column {} "
    "(line {}), this line starts in column {}; it is probably indented too far or not far "
    "enough": "строка {} не выровнена со списком, за которым идёт: знак '-' его элементов стоит "
              "в столбце {} (строка {}), а эта строка начинается в столбце {}; вероятно, у неё "
              "слишком большой или слишком маленький отступ",
    "line {} is not lined up with the list item above it: that one has its '-' in column {} "
    "(line {}), this one in column {}": "строка {} не выровнена с элементом списка над ней: у "
                                        "того знак '-' в столбце {} (строка {}), у этой — в "
                                        "столбце {}",
    "line {} is not lined up with the fields of the block it is in: they start in column {} "
    "(line {}), this line in column {}; it is probably indented too far or not far enough":
        "строка {} не выровнена с полями своего блока: они начинаются в столбце {} (строка "
        "{}), а эта строка — в столбце {}; вероятно, у неё слишком большой или слишком "
        "маленький отступ",
    "indent it like the lines it belongs with: the fields of one block start in one column, "
    "the '-' of the items of one list in one column (spaces, not tabs)":
        "сделайте отступ как у строк, к которым она относится: поля одного блока начинаются в "
        "одном столбце, знаки '-' элементов одного списка стоят в одном столбце (пробелы, не "
        "табуляция)",
    "line {} is indented further than line {} above it, which already has its value: line {} "
    "is probably indented too far": "у строки {} отступ больше, чем у строки {} над ней, у "
                                    "которой уже есть значение: вероятно, у строки {} "
                                    "слишком большой отступ",
    "line it up with the field above, or, if it belongs inside it, remove the value of line {}":
        "выровняйте её с полем выше или, если она вложена в него, уберите значение строки {}",
    "line {} holds a second ': ' where a value was expected":
        "в строке {} второе ': ' там, где ожидалось значение",
    "put a value that contains ': ' in quotes, or start the inner field on a line of its own, "
    "indented": "заключите значение с ': ' в кавычки или начните вложенное поле с новой "
                "строки, с отступом",
    "line {} has no ':' after its key": "в строке {} нет ':' после ключа",
    "write 'key: value'; a text that goes on from the line above is indented further than its "
    "key": "пишите 'ключ: значение'; текст, продолжающий строку выше, пишется с отступом "
           "больше, чем у его ключа",
    "the quotation mark opened on line {} is never closed":
        "кавычка, открытая в строке {}, не закрыта",
    "close it with the same mark (' or \") on the same value":
        "закройте её той же кавычкой (' или \") в том же значении",
    "the '{}' opened on line {} is not closed where line {} goes on (or a ',' is missing "
    "between its entries)": "'{}', открытая в строке {}, не закрыта там, где продолжается "
                            "строка {} (или между её элементами не хватает ',')",
    "close it with '{}' on the same line, or separate entries with ','":
        "закройте её знаком '{}' в той же строке или разделите элементы запятой",
    "not valid YAML here ({}{})": "здесь некорректный YAML ({}{})",
    "not valid YAML: {}": "некорректный YAML: {}",
    "document has more than {} values": "в документе больше {} значений",
    "nesting deeper than {} levels": "вложенность глубже {} уровней",
    "nesting too deep to read": "вложенность слишком глубока для чтения",
    "tag '{}' is not allowed": "тег '{}' не допускается",
    "rexcheck files are plain data; remove the tag": "файлы rexcheck — простые данные; уберите тег",
    "aliases ('*name') are not allowed": "ссылки ('*имя') не допускаются",
    "anchors ('&{}') are not allowed": "якоря ('&{}') не допускаются",
    "write the value out in full": "запишите значение полностью",
    "merge keys ('<<') are not supported": "ключи слияния ('<<') не поддерживаются",
    "a key must be a plain value": "ключ должен быть простым значением",
    "duplicate key '{}' (first given at line {})": "ключ '{}' повторяется (впервые в строке {})",
    "remove one of the two; YAML would silently keep only the last":
        "уберите один из двух; YAML молча оставил бы только последний",
    "{} is not a day of the calendar ({})": "{} — не день календаря ({})",
    "invalid value {}: {}": "недопустимое значение {}: {}",
    "write dates as YYYY-MM-DD, e.g. {}": "пишите даты в виде ГГГГ-ММ-ДД, например {}",
    "write dates as YYYY-MM-DD": "пишите даты в виде ГГГГ-ММ-ДД",
    "write dates as YYYY-MM-DD, e.g. 2021-04-11": "пишите даты в виде ГГГГ-ММ-ДД, например "
                                                  "2021-04-11",
    "line of {} characters, more than the {} allowed": "строка из {} символов, больше "
                                                        "допустимых {}",
    "file contains a NUL character": "в файле есть символ NUL",
    "file is {} bytes, more than the {} allowed": "в файле {} байт, больше допустимых {}",
    "input is more than {} bytes": "входные данные больше {} байт",
    "byte 0x{} is not valid UTF-8": "байт 0x{} не является корректным UTF-8",
    "save the file as UTF-8": "сохраните файл в кодировке UTF-8",
    "cannot read file: {}": "невозможно прочитать файл: {}",
    # facts/diagnose.py
    "unknown field '{}'": "неизвестное поле '{}'",
    "required field '{}' is missing": "нет обязательного поля '{}'",
    "'{}' cannot stand here: it is a field of '{}', so it is probably indented too little":
        "'{}' не может стоять здесь: это поле '{}', так что у него, вероятно, слишком "
        "маленький отступ",
    "indent it under '{}:'": "сделайте отступ, чтобы оно оказалось под '{}:'",
    "'{}' is indented one level too deep: it sits inside '{}' (line {}), so the required "
    "field '{}' is missing where it belongs": "у '{}' лишний уровень отступа: оно оказалось "
                                             "внутри '{}' (строка {}), и обязательного поля "
                                             "'{}' нет там, где оно должно быть",
    "move '{}:' left, to line up with '{}:'": "сдвиньте '{}:' влево, на уровень '{}:'",
    "{} is not a date as rexcheck reads dates": "{} — не дата в том виде, в каком rexcheck "
                                                "читает даты",
    "YAML reads NO, yes, on, off (unquoted) as true/false; quote it, e.g. \"NO\" for Norway":
        "YAML читает NO, yes, on, off (без кавычек) как true/false; возьмите в кавычки, "
        "например \"NO\" для Норвегии",
    "did you mean '{}'?": "возможно, имелось в виду '{}'?",
    "did you mean '{}{}{}'?": "возможно, имелось в виду '{}{}{}'?",
    # engine/core/conditions.py
    "unknown value form '{}'": "неизвестная форма значения '{}'",
    "a condition must be a mapping (all/any/not or a field test)":
        "условие должно быть отображением (all/any/not или проверка поля)",
    "unknown condition key '{}'": "неизвестный ключ условия '{}'",
    "a field test needs exactly one operator ({}){}": "проверке поля нужен ровно один "
                                                      "оператор ({}){}",
    "'{}' needs a list field; {} is {}": "'{}' применяется к полю-списку; {} — это {}",
    "'{}' does not apply to a list field ({})": "'{}' не применяется к полю-списку ({})",
    "use contains, not_contains or contains_all": "используйте contains, not_contains или "
                                                  "contains_all",
    "'{}' needs a number, amount or date; {} is {}": "'{}' применяется к числу, сумме или "
                                                     "дате; {} — это {}",
    "a value is a literal or one of {{param}}, {{field}}, {{due}}, {{as_of}}":
        "значение — это литерал или одно из {{param}}, {{field}}, {{due}}, {{as_of}}",
    "'{}' takes literal values or a parameter": "'{}' принимает литералы или параметр",
    "a due date is {{from: alias.field, working_days: N}} (or calendar_days)":
        "срок записывается как {{from: имя.поле, working_days: N}} (или calendar_days)",
    "unknown time unit '{}'": "неизвестная единица времени '{}'",
    "a number of days must be a whole number 0-3660": "число дней должно быть целым, от 0 до "
                                                      "3660",
    "a due date compares with a date field": "срок сравнивается с полем-датой",
    "{} is {}; {} is not": "{} — это {}; {} — нет",
    "'{}' is not a value of {} ({})": "'{}' — не значение {} ({})",
    "'not' cannot be applied to a comparison between two facts":
        "'not' нельзя применять к сравнению двух фактов",
    "use the opposite operator, or 'without'": "используйте противоположный оператор или "
                                               "'without'",
    "'{}' is not a field path like 'application.received'":
        "'{}' — не путь к полю вида 'application.received'",
    "write the fact's alias, a dot, then the field": "напишите имя факта, точку, затем поле",
    "'{}' is not a fact this rule matches": "'{}' — не факт, который сопоставляет это правило",
    "unknown field '{}' ({} has no '{}')": "неизвестное поле '{}' (у {} нет '{}')",
    "'not' takes one condition and nothing beside it": "'not' принимает одно условие и "
                                                       "ничего рядом",
    "'exists' takes true or false": "'exists' принимает true или false",
    "'matches' takes an ASCII pattern, or a parameter of unit 'structure', on a text field, "
    "matched against the whole value": "'matches' принимает шаблон ASCII или параметр с "
                                       "единицей 'structure' для текстового поля и сверяет "
                                       "всё значение целиком",
    "use [0-9] for a digit and no ^, $ or backslash": "используйте [0-9] для цифры и не "
                                                      "используйте ^, $ и обратную косую черту",
    "pattern could take very long to match: {}": "сопоставление с шаблоном может быть очень "
                                                 "долгим: {}",
    "repeat single characters or classes ([0-9]{{4}}), with at most one open-ended repeat "
    "(*, + or {{n,}})": "повторяйте отдельные символы или классы ([0-9]{{4}}), не более "
                        "одного открытого повторения (*, + или {{n,}})",
    "'{}' takes a non-empty list": "'{}' принимает непустой список",
    "unknown parameter '{}'": "неизвестный параметр '{}'",
    "parameter '{}' is {}, {} needs {}": "параметр '{}' — это {}, а {} требует {}",
    "cannot compare {} ({}) with {} ({})": "нельзя сравнивать {} ({}) с {} ({})",
    "{{as_of: true}} is a date; compare it with a date field":
        "{{as_of: true}} — дата; сравнивайте её с полем-датой",
    "'{}' is not a parameter counting days": "'{}' — не параметр, считающий дни",
    "one 'any' may test only one fact, this one tests {}": "одно 'any' может проверять только "
                                                           "один факт, а это проверяет {}",
    "split it, or derive a fact that says what you need": "разделите его или выведите факт, "
                                                          "который говорит то, что нужно",
    "'{}' takes a non-empty list and nothing beside it": "'{}' принимает непустой список и "
                                                         "ничего рядом",
    "pattern does not compile: {}": "шаблон не компилируется: {}",
    "'{}' is not a date": "'{}' — не дата",
    # engine/core/loader.py
    "the case's order does not place {}": "порядок исходов дела не включает {}",
    "list every outcome of every document in case_outcome":
        "перечислите в case_outcome каждый исход каждого документа",
    "{} is the outcome of no document": "{} — исход ни одного документа",
    "two matched facts share an alias": "у двух сопоставленных фактов одно имя",
    "give one of them another name with 'as'": "дайте одному из них другое имя через 'as'",
    "a rule is judged on a date of a fact it matches, not of one under 'without'":
        "правило оценивается по дате факта, который оно сопоставляет, а не факта из 'without'",
    "'{}' is not a declared derived fact": "'{}' — не объявленный выводимый факт",
    "declare it under 'derived:' in a rule file": "объявите его в 'derived:' файла правил",
    "an outcome rule applies to a document that has outcomes (law.yaml: {}), not '{}'":
        "правило исхода применяется к документу, у которого есть исходы (law.yaml: {}), а "
        "не к '{}'",
    "'{}' is not an outcome of {} ({})": "'{}' — не исход {} ({})",
    "a rules tree needs law.yaml: the acts and their versions, the documents judged and their "
    "outcomes": "папке правил нужен law.yaml: акты и их редакции, оцениваемые документы и их "
                "исходы",
    "copy the shipped law.yaml (rules/law.yaml of rexcheck's repository) and edit it":
        "скопируйте поставляемый law.yaml (rules/law.yaml в репозитории rexcheck) и "
        "отредактируйте его",
    "'{}' is not a kind of document of the fact models": "'{}' — не вид документа моделей "
                                                         "фактов",
    "an outcome is listed twice": "исход указан дважды",
    "no rule files (*.yaml) found": "файлы правил (*.yaml) не найдены",
    "the rule is in no version of its act": "правило не относится ни к одной редакции своего "
                                            "акта",
    "give the file (or the rule) 'versions:', ids from law.yaml":
        "укажите в файле (или в правиле) 'versions:' с идентификаторами из law.yaml",
    "versions of {}: {}": "редакции {}: {}",
    "value {} does not fit unit '{}'": "значение {} не подходит к единице '{}'",
    "a structure is a list of parts {{name, text}} or {{name, digits}}":
        "структура — это список частей {{name, text}} или {{name, digits}}",
    "'to' is before 'from'": "'to' раньше 'from'",
    "'{}' is not a field of {}": "'{}' — не поле {}",
    "write {}.<field>": "пишите {}.<поле>",
    "'{}' is not an amount with its currency": "'{}' — не сумма с валютой",
    "'{}' is not a list of exchange rates": "'{}' — не список курсов валют",
    "unknown fact type '{}'": "неизвестный тип факта '{}'",
    "a title may name parameters only ('{{param.NAME}}'), not '{{{}}}'":
        "заголовок может называть только параметры ('{{param.ИМЯ}}'), а не '{{{}}}'",
    "'{}' has no field '{}'": "у '{}' нет поля '{}'",
    "version '{}' is also defined for {}": "редакция '{}' определена и для {}",
    "versions must be in order of their 'from' dates": "редакции должны идти по порядку дат "
                                                       "'from'",
    "'{}' is not a date field of {}": "'{}' — не поле-дата {}",
    "rules directory not found": "папка правил не найдена",
    "a rule file is a mapping with 'act', 'title' and 'rules'":
        "файл правил — это отображение с 'act', 'title' и 'rules'",
    "'{}' is not an act of law.yaml": "'{}' — не акт из law.yaml",
    "rule id '{}' is used twice (also in {})": "идентификатор правила '{}' использован "
                                               "дважды (также в {})",
    "'{}' is not a version of {} in law.yaml": "'{}' — не редакция {} в law.yaml",
    "dated values must be in order of their 'from' dates": "датированные значения должны идти "
                                                           "по порядку дат 'from'",
    "values are computed for documents of the fact models, not '{}'":
        "значения вычисляются для документов моделей фактов, а не для '{}'",
    "{} already has a field '{}'": "у {} уже есть поле '{}'",
    "'{}' is not a list": "'{}' — не список",
    "'{}' is not a text field of {} (computed values count when declared before this one)":
        "'{}' — не текстовое поле {} (вычисляемые значения учитываются, если объявлены "
        "раньше этого)",
    "'{}' is matched under 'without'; put its test in that 'where'":
        "'{}' сопоставляется в 'without'; перенесите его проверку в тот 'where'",
    "a comparison with another fact cannot stand inside 'any' (the engine cannot join inside "
    "an or)": "сравнение с другим фактом не может стоять внутри 'any' (движок не умеет "
              "соединять факты внутри «или»)",
    "split the rule, use several 'without' entries, or derive a fact that says what you need":
        "разделите правило, используйте несколько записей 'without' или выведите факт, "
        "который говорит то, что нужно",
    "'without' compares with {}, which may be missing; then the engine cannot decide the "
    "absence": "'without' сравнивается с {}, которого может не быть; тогда движок не может "
               "решить об отсутствии",
    "add {{field: {}, exists: true}} to 'when' and cover the missing case with a rule of its "
    "own": "добавьте {{field: {}, exists: true}} в 'when' и опишите случай без поля "
           "отдельным правилом",
    "'{{{}}}' is only known in a rule with a deadline": "'{{{}}}' известно только в правиле "
                                                        "со сроком",
    "parameter '{}' has no value on {}, when the rule is in force":
        "у параметра '{}' нет значения на {}, когда правило действует",
    "add a dated value that covers it, or narrow the rule's versions":
        "добавьте датированное значение на этот день или сузьте редакции правила",
    "parameter '{}' is defined twice (also in {})": "параметр '{}' определён дважды (также в "
                                                    "{})",
    "fact type '{}' is defined twice (also in {})": "тип факта '{}' определён дважды (также "
                                                    "в {})",
    "overlaps the next value, in force from {}": "перекрывает следующее значение, "
                                                 "действующее с {}",
    "a later 'from' ends the earlier value: drop this 'to'":
        "более поздний 'from' завершает прежнее значение: уберите этот 'to'",
    "'{}' is not a parameter of unit 'structure'": "'{}' — не параметр с единицей 'structure'",
    "'{}' is not a parameter of unit 'years'": "'{}' — не параметр с единицей 'years'",
    "'{}' is not a date field of {} (computed values count when declared before this one)":
        "'{}' — не поле-дата {} (вычисляемые значения учитываются, если объявлены раньше "
        "этого)",
    "a 'where' tests its own fact ('{}'), not '{}'": "'where' проверяет свой факт ('{}'), а "
                                                     "не '{}'",
    "compare with {{field: {}.<field>}} as a value": "сравнивайте с {{field: {}.<поле>}} как "
                                                     "со значением",
    "a derived value is a literal or {{field: alias.path}}":
        "выводимое значение — это литерал или {{field: имя.путь}}",
    "'{}' is {}, '{}' is {}": "'{}' — это {}, '{}' — это {}",
    "leaves {} to {} without a value": "оставляет дни с {} по {} без значения",
    "drop this 'to', or add a value for the gap": "уберите этот 'to' или добавьте значение на "
                                                  "промежуток",
    "the structure '{}' has no part '{}' in every dated value":
        "в структуре '{}' не в каждом датированном значении есть часть '{}'",
    "unknown parameter '{}' in the message": "неизвестный параметр '{}' в сообщении",
    # engine/core/lawtexts.py
    "{} has no {} ({})": "в {} нет {} ({})",
    "its Rules have p.{}-p.{}": "в его Правилах пп.{}-{}",
    "it has {} {}-{}": "в нём {} {}-{}",
    "it has Appendix {}-{}": "в нём приложения {}-{}",
    "{} has sub-items ({})-({})": "в {} подпункты {})-{})",
    "{} has no numbered sub-items": "в {} нет нумерованных подпунктов",
    "{} has boxes {}-{}": "в {} графы {}-{}",
    "no such parts": "таких частей нет",
    "the quotation is not found in {} ({} text of {}): {}": "цитата не найдена в {} ({} текст "
                                                             "{}): {}",
    "copy the words from the text; mark words left out with '...'":
        "скопируйте слова из текста; пропущенные слова обозначайте '...'",
    "no text of {} ships with the packs, so '{}' cannot be checked":
        "текста {} нет в пакетах, поэтому '{}' проверить нельзя",
    "add its text to {}/{}": "добавьте его текст в {}/{}",
    "no {} text of {} ships with the packs (texts: {}), so the quotation cannot be checked":
        "{} текста {} нет в пакетах (тексты: {}), поэтому цитату проверить нельзя",
    "quote the language a text ships in, and set 'lang'": "цитируйте на языке, текст на "
                                                         "котором есть, и укажите 'lang'",
    "the quotation is not in {} but in {} ({} text of {})": "цитата не из {}, а из {} ({} "
                                                            "текст {})",
    "cite '{} {}', or quote {}": "ссылайтесь на '{} {}' или цитируйте {}",
    "the quotation is not found in {} ({}), where {} is quoted":
        "цитата не найдена в {} ({}), где цитируется {}",
    "it follows the text up to '{}', where the text goes on '{}' and the quotation '{}'":
        "она совпадает с текстом до '{}', далее в тексте '{}', а в цитате '{}'",
    "its words from '{}' are not there": "её слов начиная с '{}' там нет",
    "its pieces are not in this order": "её части идут в тексте в другом порядке",
    "the manifest of the law texts is a mapping 'acts:' of act -> language -> file":
        "перечень текстов актов — это отображение 'acts:' акт -> язык -> файл",
    "English": "английский", "Russian": "русский", "Kazakh": "казахский",
    # engine/authoring/lint.py
    "'{}' is derived by no rule, so this rule never fires":
        "'{}' не выводит ни одно правило, поэтому это правило никогда не срабатывает",
    "'{}' is derived by no rule: the 'without' is always true":
        "'{}' не выводит ни одно правило: 'without' всегда истинно",
    "derived fact '{}' is produced but no rule uses it": "выводимый факт '{}' выводится, но "
                                                         "ни одно правило его не использует",
    "derived fact '{}' is used but no rule produces it": "выводимый факт '{}' используется, "
                                                         "но ни одно правило его не выводит",
    "no rule test fires this rule": "ни один тест не вызывает срабатывание этого правила",
    "add a test with this rule under 'expect' in rules/tests/":
        "добавьте тест с этим правилом в 'expect' в rules/tests/",
    "no rule test shows this rule silent": "ни один тест не показывает, что это правило "
                                           "молчит",
    "add a test with this rule under 'expect_not' in rules/tests/":
        "добавьте тест с этим правилом в 'expect_not' в rules/tests/",
    "reading '{}' is not documented in docs/readings.md": "толкование '{}' не описано в "
                                                          "docs/readings.md",
    "the message has no Russian translation": "у сообщения нет перевода на русский",
    "add 'message_ru'": "добавьте 'message_ru'",
    "the tests of {}.{} contradict each other: no value passes them all":
        "проверки {}.{} противоречат друг другу: никакое значение не проходит их все",
    "add a rule that derives it, or remove the match": "добавьте правило, которое его "
                                                       "выводит, или уберите сопоставление",
    "the due date counts from {}.{}, which no rule sets": "срок отсчитывается от {}.{}, "
                                                          "которое не задаёт ни одно правило",
    "no rule sets {}.{}, so this condition is never true":
        "ни одно правило не задаёт {}.{}, поэтому это условие никогда не выполняется",
    "set '{}' where a rule derives {}": "задайте '{}' там, где правило выводит {}",
    # engine/authoring/ruletests.py
    "test '{}': {}": "тест '{}': {}",
    "test '{}': 'set' path '{}': {}": "тест '{}': путь 'set' '{}': {}",
    "no rule '{}'": "нет правила '{}'",
    "'{}' is no outcome": "'{}' — не исход",
    "{} has no deadline: 'status' and 'due' cannot be checked":
        "у {} нет срока: 'status' и 'due' проверить нельзя",
    "'set' path '{}': {}": "путь 'set' '{}': {}",
    "{} has no field '{}'": "у {} нет поля '{}'",
    "'{}' is inside a value that has no fields": "'{}' внутри значения, у которого нет полей",
    "no fixture '{}' (fixtures: {})": "нет заготовки '{}' (заготовки: {})",
    # engine/services/proposal.py
    "no parameter '{}' in the baseline": "в действующих правилах нет параметра '{}'",
    "no rule '{}' in the baseline": "в действующих правилах нет правила '{}'",
    "fact type '{}' already exists": "тип факта '{}' уже есть",
    # engine/core/partition.py
    "the rule set exceeds durable_rules' {} ({}, {}): {} where at most {} fit, at '{}', with "
    "the rules dealt into {} chunk(s); the {} rules involved, first to last: {}":
        "набор правил превышает предел durable_rules {} ({}, {}): {} при допустимых не более "
        "{}, в '{}', при разбиении правил на части: {}; затронутые правила ({}), по порядку: {}",
    "split these rules by more specific conditions, fact types or acts (docs/engine.md, "
    "'Limits of the engine')":
        "разделите эти правила более точными условиями, типами фактов или актами "
        "(docs/engine.md, «Limits of the engine»)",
    # engine/core/compiler.py, engine/core/outcomes.py, engine/core/factplan.py,
    # engine/core/calendar.py
    "rules depend on the absence of facts they themselves derive (a cycle through 'without')":
        "правила зависят от отсутствия фактов, которые сами выводят (цикл через 'without')",
    "{} is judged on {}, before the law rexcheck encodes applies to a {} ({}): no rule "
    "decides it": "{} оценивается на {}, раньше, чем закон, который кодирует rexcheck, "
                  "применяется к документу «{}» ({}): его не решает ни одно правило",
    "{} is dated {} ({}), before the law rexcheck encodes judges it ({}): no rule says "
    "anything of it": "{} датирована {} ({}), раньше, чем закон, который кодирует rexcheck, "
                      "её оценивает ({}): ни одно правило ничего о ней не говорит",
    "{} is dated {} ({}), a day on which no rule of the packs judges it: no rule says "
    "anything of it": "{} датирована {} ({}), днём, на который её не оценивает ни одно правило "
                      "пакетов: ни одно правило ничего о ней не говорит",
    "no outcome rule decided {} (a {}, judged on {}); the rule packs leave this document "
    "without an outcome": "ни одно правило исхода не решило {} (документ «{}», оценивается на "
                          "{}); пакеты правил оставляют этот документ без исхода",
    "{} {}: {} {} is after the as-of date {}; a case is judged on or after the day of its "
    "last step (give a later as_of)": "{} {}: {} {} позже даты оценки {}; дело оценивается в "
                                      "день его последнего шага или позже (укажите более "
                                      "позднюю as_of)",
    "{} is outside the years the calendar knows ({}-{}); extend rules/calendar/kazakhstan.yaml":
        "{} вне лет, известных календарю ({}-{}); дополните rules/calendar/kazakhstan.yaml",
    "{} working days after {} run past {}, the last year the calendar knows; extend "
    "rules/calendar/kazakhstan.yaml": "{} рабочих дней после {} выходят за {}, последний год, "
                                      "известный календарю; дополните "
                                      "rules/calendar/kazakhstan.yaml",
    "the file holds {} cases; check() takes one": "в файле {} дел(а); check() принимает одно",
    "use check_all(load_case_file(path)[0]) for several":
        "для нескольких используйте check_all(load_case_file(path)[0])",
    # facts/loader.py, facts/records.py, facts/models.py
    "a case must be a mapping with 'case' and 'exporter'":
        "дело должно быть отображением с 'case' и 'exporter'",
    "'cases' must be a list": "'cases' должно быть списком",
    "{} ref '{}' is used twice (first at item {})": "{}: ссылка '{}' использована дважды "
                                                    "(впервые в элементе {})",
    "give every record of a case its own ref": "дайте каждой записи дела свою ссылку",
    "'{}' names no {} of this case (by its {})": "'{}' не называет ни одну запись «{}» этого "
                                                 "дела (по её {})",
    "add that {} to the case's '{}', or correct the {}": "добавьте эту запись «{}» в '{}' "
                                                         "дела или исправьте {}",
    "unknown top-level key '{}' beside 'cases'": "неизвестный ключ верхнего уровня '{}' рядом "
                                                 "с 'cases'",
    "registration '{}' and number '{}' name two different registrations":
        "регистрация '{}' и номер '{}' называют две разные регистрации",
    ", which looks like the Latin {}": ", похожий на латинскую {}",
    "character {} is {} (U+{}), a control or invisible character; a document's text has none":
        "символ {} — {} (U+{}), управляющий или невидимый символ; в тексте документа таких нет",
    "remove it (copied text often carries one unseen)":
        "удалите его (скопированный текст часто несёт такой символ незаметно)",
    "duplicate key '{}' (first given at column {})":
        "ключ '{}' повторяется (впервые в столбце {})",
    "remove one of the two; JSON readers would silently keep only the last":
        "уберите один из двух; программы чтения JSON молча оставили бы только последний",
    "line longer than {} characters": "строка длиннее {} символов",
    "not valid UTF-8": "некорректный UTF-8",
    "input is too large to read whole; use JSONL to stream it":
        "входные данные слишком велики, чтобы прочитать их целиком; используйте JSONL",
    "not valid JSON: {}": "некорректный JSON: {}",
    "cannot read: {}": "невозможно прочитать: {}",
    "not valid UTF-8 ({}); the rest of this input cannot be read":
        "некорректный UTF-8 ({}); остаток этих данных прочитать нельзя",
    "bad CSV header: {}": "неверный заголовок CSV: {}",
    "row has {} cells, the header {}": "в строке {} ячеек, в заголовке {}",
    "bad CSV row: {}": "неверная строка CSV: {}",
    "case id '{}' is also used in {}": "идентификатор дела '{}' использован и в {}",
    # facts/loader.py, facts/records.py, facts/jsontext.py: odd input and its limits
    "text holds a NUL character": "текст содержит символ NUL",
    "no document of the law holds one; remove it":
        "такого символа нет ни в одном документе по закону; удалите его",
    "case holds {} records (documents and goods items), more than the {} allowed in one case":
        "в деле {} записей (документов и товарных позиций), больше {} допустимых в одном деле",
    "split the exporter's file into several cases":
        "разделите материалы экспортёра на несколько дел",
    "and {} more problem(s) in this case (the first {} are shown)":
        "и ещё проблем в этом деле: {} (показаны первые {})",
    "{} ref '{}' is the name given to item {}, which has no ref":
        "{}: ссылка '{}' — это имя элемента {}, у которого нет своей ссылки",
    "give item {} a ref, or this one another":
        "дайте ссылку элементу {} или другую ссылку этому",
    "not a case file: rexcheck reads {} (in upper or lower case)":
        "не файл дела: rexcheck читает {} (в верхнем или нижнем регистре)",
    "rename it, or move it out of the folder": "переименуйте его или уберите из папки",
    "no case file in this folder (looked for {}, in upper or lower case, in it and its "
    "subfolders)": "в этой папке нет файлов дел (искались {}, в верхнем или нижнем регистре, в "
                   "ней и во вложенных папках)",
    "a named pipe (FIFO), not read": "именованный канал (FIFO), не прочитан",
    "a link to a folder, not read": "ссылка на папку, не прочитана",
    "not a regular file, not read": "не обычный файл, не прочитан",
    "no case in this file (JSON lines: one case per line)":
        "в этом файле нет дела (строки JSON: по делу в строке)",
    "byte 0x{} (byte offset {} of the input) is not valid UTF-8":
        "байт 0x{} (смещение {} от начала входных данных) не является корректным UTF-8",
    "line longer than {} bytes": "строка длиннее {} байт",
    "line longer than {} bytes, with no end in its first {} bytes; the rest of this input is "
    "not read": "строка длиннее {} байт, без конца в первых {} байтах; остаток этих входных "
                "данных не прочитан",
    "input is more than {} bytes, too large to read whole; use JSONL to stream it":
        "входные данные больше {} байт, слишком велики, чтобы прочитать их целиком; "
        "используйте JSONL, чтобы читать их потоком",
    "column '{}' is given twice (columns {} and {}); one value would be lost":
        "столбец '{}' указан дважды (столбцы {} и {}); одно значение потерялось бы",
    "column '{}' is a field of column {} '{}', which holds a value":
        "столбец '{}' — поле столбца {} '{}', в котором стоит значение",
    "column name holds a NUL character": "имя столбца содержит символ NUL",
    "cell holds a NUL character": "ячейка содержит символ NUL",
    "the header (line 1) cannot be used: {}": "заголовок (строка 1) непригоден: {}",
    "key '{}' is given twice in one object (first at column {}); JSON readers would keep only "
    "the last, silently": "ключ '{}' указан дважды в одном объекте (впервые в столбце {}); "
                          "читатели JSON молча оставили бы только последнее значение",
    "remove one of the two": "удалите один из двух",
    # facts/base/yamlsource.py: limits
    "document has more than {} values (keys and values)":
        "в документе больше {} значений (ключей и значений)",
    "split it; many cases are better written as JSON lines, one case a line, read as a stream":
        "разделите его; много дел лучше записать строками JSON, по делу в строке: они "
        "читаются потоком",
    "mapping of {} keys, more than the {} allowed":
        "отображение из {} ключей, больше {} допустимых",
    "list of {} entries, more than the {} allowed": "список из {} элементов, больше {} допустимых",
    "a number of {} characters, more than the {} allowed":
        "число из {} символов, больше {} допустимых",
    "file goes on past the {} bytes allowed": "файл длиннее {} допустимых байт",
    "{} is not a finite number": "{} — не конечное число",
    "no amount, rate or time limit of the law is infinite":
        "ни сумма, ни курс, ни срок по закону не бывают бесконечными",
    # engine/core/loader.py: files of a rules tree
    "no rule files (*.yaml, *.yml) found": "файлы правил (*.yaml, *.yml) не найдены",
    "not a rule file: a rules tree holds *.yaml and *.yml rule files (and notes, *.md)":
        "не файл правил: в дереве правил лежат файлы правил *.yaml и *.yml (и заметки, *.md)",
    "rename it, or move it out of the rules tree":
        "переименуйте его или уберите из дерева правил",
}

# what the English words of a formatted line are in Russian
_WORDS = {"ru": {"error": "ошибка", "warning": "предупреждение", "info": "сведения",
                 "rule": "правило", "field": "поле"}}
_GOT = re.compile(r"^(?P<msg>.*) \(got (?P<got>.*)\)$", re.DOTALL)


@functools.cache
def _compiled() -> list[tuple[re.Pattern, str]]:
    """Each English template as a pattern that captures the values put in. Templates that
    begin with words are tried before those that begin with a value, and the more words the
    sooner: "test '{}': {}" must take a whole message whose inner part is "{} has no field
    '{}'", not the other way round."""
    out = []
    for english, russian in RU.items():
        parts, words = [], 0
        parsed = list(string.Formatter().parse(english))
        for literal, name, _, _ in parsed:
            parts.append(re.escape(literal))
            words += len(literal)
            if name is not None:
                parts.append("(.*?)")
        leading_value = not parsed or parsed[0][0] == ""
        out.append((leading_value, -words, re.compile("".join(parts), re.DOTALL), russian))
    out.sort(key=lambda p: (p[0], p[1]))
    return [(pattern, russian) for _, _, pattern, russian in out]


@functools.cache
def _pydantic_compiled() -> dict[str, re.Pattern]:
    out = {}
    for kind, english in pydantic_types().items():
        parts = []
        for literal, name, _, _ in string.Formatter().parse(english):
            parts.append(re.escape(literal))
            if name is not None:
                parts.append(f"(?P<{name}>.*?)")
        out[kind] = re.compile("".join(parts), re.DOTALL)
    return out


def translate(text: str | None, lang: str, code: str | None = None) -> str | None:
    """A message or hint in `lang` (English is as written). Values put in (names, paths,
    numbers, quotations) are kept; a text with no translation is kept as it is."""
    if text is None or lang == "en":
        return text
    for pattern, russian in _compiled():
        m = pattern.fullmatch(text)
        if m is not None:  # a value may be a message itself ("test 'T': no rule 'R'")
            values = [translate(v, lang) if v else v for v in m.groups()]
            return russian.format(*values)
    return _translate_pydantic(text, lang, code) or text


def _translate_pydantic(text: str, lang: str, code: str | None) -> str | None:
    if code is None:
        return None
    kind = code.replace("-", "_")
    pattern = _pydantic_compiled().get(kind)
    if pattern is None or kind not in PYDANTIC_RU:
        return None
    got = _GOT.match(text)
    body = got.group("msg") if got else text
    m = pattern.fullmatch(body)
    if m is None:
        return None
    russian = PYDANTIC_RU[kind].format(**m.groupdict())
    return russian + (f" (получено {got.group('got')})" if got else "")


def localise(d: Diagnostic, lang: str) -> Diagnostic:
    """The diagnostic with its message and hint in `lang`."""
    if lang == "en":
        return d
    return replace(d, message=translate(d.message, lang, d.code) or d.message,
                   hint=translate(d.hint, lang))


def format_line(d: Diagnostic, lang: str = "en") -> str:
    """`file:line:col: error: rule ID: field 'F': message; hint [code]`, in `lang`."""
    if lang == "en":
        return d.format()
    words = _WORDS[lang]
    d = localise(d, lang)
    about = ""
    if d.rule_id:
        about += f"{words['rule']} {d.rule_id}: "
    if d.field:
        about += f"{words['field']} '{d.field}': "
    text = (f"{d.file}:{d.line}:{d.column}: {words.get(d.severity, d.severity)}: {about}"
            f"{d.message}")
    if d.hint:
        text += f"; {d.hint}"
    return f"{text} [{d.code}]"


def problem_in(problem: Any, lang: str) -> Any:
    """A result's problem (engine/services/result.py) with its message and hint in `lang`."""
    if lang == "en":
        return problem
    return replace(problem, message=translate(problem.message, lang, problem.code)
                   or problem.message, hint=translate(problem.hint, lang))


SUMMARIES = {
    "ru": {
        "failed": "ошибок: {}; ничего не проверено",
        "hidden": "... и ещё ошибок: {}, не показаны",
        "lint": "ошибок: {}, предупреждений: {}",
    },
    "en": {
        "failed": "{} error(s); nothing was evaluated",
        "hidden": "... and {} more error(s), not shown",
        "lint": "{} error(s), {} warning(s)",
    },
}


def summary(kind: str, lang: str, *counts: int) -> str:
    return SUMMARIES.get(lang, SUMMARIES["en"])[kind].format(*counts)
