"""The words of the workbench's pages, in English and Russian. Only the pages' own words:
the law, the rules and their messages come from the packs (a rule's `message_ru`, the Russian
text of Order 244), and diagnostics are translated by engine/services/messages.py."""

from __future__ import annotations

LANGS = ("en", "ru")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "app": "rexcheck workbench", "skip": "Skip to the content", "home": "Home",
        "rules": "Rules", "case": "Try a case", "whatif": "What-if", "parameters": "Parameters",
        "readings": "Readings", "language": "Language",
        "intro": "The law as rules, a case tried against them, and what a change of the law "
                 "would do: for policy staff, no terminal needed.",
        "rules_intro": "Every rule by act, chapter and paragraph, with the law it quotes.",
        "case_intro": "Judge a case file against the rules in force: outcomes, findings with "
                      "their citations, pending steps and their due dates.",
        "whatif_intro": "Change a value of the law, or upload a proposal, and see what it does "
                        "to a population of cases.",
        "digest": "Rule set", "rules_count": "rules", "search": "Search the rules",
        "search_hint": "A paragraph number (11, p.16(2)) or words", "search_button": "Search",
        "results_for": "Rules for", "no_results": "No rule matches.", "contents": "Contents",
        "chapter": "Chapter", "law": "The law", "translation": "Translation",
        "full_paragraph": "The whole paragraph", "original": "Russian original",
        "reading": "Reading", "in_words": "In plain words", "derives": "Derives",
        "outcome": "Outcome", "applies_to": "Applies to", "kind": "Kind",
        "message": "Message", "message_ru": "Message in Russian", "in_force": "In force",
        "to_no_end": "no end", "from": "from", "to": "to", "value": "Value",
        "values": "Dated values", "current": "in force today", "tests": "Rule tests",
        "fires_in": "Fires in", "silent_in": "Does not fire in", "no_tests": "No test names it.",
        "parameters_used": "Parameters it uses", "used_by": "Used by", "unit": "Unit",
        "citation": "Citation", "also": "also", "all_rules": "All rules",
        "case_file": "Case file (YAML or JSON)", "paste": "Paste a case",
        "upload": "or upload a file", "example": "or pick a shipped example",
        "none": "(none)", "as_of": "Judge as of (optional)", "check": "Judge the case",
        "result": "Result", "documents": "Outcome per document", "document": "Document",
        "decided_by": "Decided by", "findings": "Findings", "notices": "Notices",
        "pending": "Pending steps", "no_findings": "No findings.", "due": "due",
        "days_from": "{days} {unit} days from {start}", "done": "done", "not_done": "not done",
        "late": "{n} {unit} day(s) late", "chain": "Chain of firings",
        "chain_intro": "Each box is a rule that fired; an arrow is a fact one firing derived "
                       "and the next used. Grey boxes are the case's own documents.",
        "calendar": "Deadlines on the calendar", "weekend": "weekend", "holiday": "day off",
        "working": "working day", "start": "start", "errors": "The case could not be judged",
        "decision": "Decision id", "facts": "Facts",
        "assumption": "Assumption", "severity": "Severity",
        "param_change": "Change a value of the law", "parameter": "Parameter",
        "new_value": "New value", "from_date": "From (date)", "proposal": "Or a proposal",
        "proposal_text": "Proposal (scenario YAML)", "proposal_upload": "or upload a proposal",
        "population": "Population", "shipped_population": "The shipped example population",
        "upload_population": "Upload a population (JSON lines, JSON or YAML list)",
        "run": "Run the what-if", "mode_param": "a value changed in this form",
        "mode_proposal": "the proposal below", "what_to_run": "What to run",
        "law_change": "The change of the law", "no_change": "No parameter or rule differs.",
        "counts": "Cases", "changed": "changed", "notices_only": "changed in notices only",
        "unchanged": "unchanged", "not_judged": "could not be judged",
        "outcome_changes": "Outcome changes per document type", "before": "before",
        "after": "after", "count": "count", "totals": "Totals per outcome",
        "by_rule": "Per rule", "newly_fires": "newly fires", "stops_firing": "stops firing",
        "changed_cases": "Changed cases", "notice_cases": "Changed in notices only",
        "download": "Download", "report_md": "Report (Markdown)", "report_json": "Report (JSON)",
        "proposal_yaml": "Proposal (YAML) to commit", "rule_tests": "Rule tests under the "
        "proposal", "tests_pass": "{passed} passed, {failed} failed", "expected": "expected, "
        "did not happen", "unexpected": "happened, not expected", "actual": "actual",
        "problems": "Problems", "hint": "hint", "case_col": "Case", "record": "Record",
        "appeared": "appeared", "went": "went", "type": "Document type",
        "too_large": "The upload is too large",
    },
    "ru": {
        "app": "Рабочее место rexcheck", "skip": "К содержанию", "home": "Главная",
        "rules": "Правила", "case": "Проверить дело", "whatif": "Что если",
        "parameters": "Параметры", "readings": "Толкования", "language": "Язык",
        "intro": "Право в виде правил, проверка дела по ним и последствия изменения права: "
                 "без командной строки.",
        "rules_intro": "Все правила по актам, главам и пунктам, с цитатой из закона.",
        "case_intro": "Проверить дело по действующим правилам: решения, выводы со ссылками, "
                      "незавершённые шаги и их сроки.",
        "whatif_intro": "Изменить значение права или загрузить предложение и увидеть, что это "
                        "даст для совокупности дел.",
        "digest": "Набор правил", "rules_count": "правил", "search": "Поиск по правилам",
        "search_hint": "Номер пункта (11, p.16(2)) или слова", "search_button": "Найти",
        "results_for": "Правила для", "no_results": "Ни одно правило не подходит.",
        "contents": "Содержание", "chapter": "Глава", "law": "Текст закона",
        "translation": "Перевод", "full_paragraph": "Пункт целиком",
        "original": "Русский оригинал", "reading": "Толкование",
        "in_words": "Простыми словами", "derives": "Выводит", "outcome": "Решение",
        "applies_to": "Применяется к", "kind": "Вид", "message": "Сообщение",
        "message_ru": "Сообщение", "in_force": "Действует", "to_no_end": "без срока",
        "from": "с", "to": "по", "value": "Значение", "values": "Значения по датам",
        "current": "действует сегодня", "tests": "Тесты правила",
        "fires_in": "Срабатывает в", "silent_in": "Не срабатывает в",
        "no_tests": "Ни один тест его не называет.", "parameters_used": "Используемые параметры",
        "used_by": "Используется в", "unit": "Единица", "citation": "Ссылка", "also": "также",
        "all_rules": "Все правила", "case_file": "Файл дела (YAML или JSON)",
        "paste": "Вставьте дело", "upload": "или загрузите файл",
        "example": "или выберите пример", "none": "(нет)",
        "as_of": "Проверить на дату (необязательно)", "check": "Проверить дело",
        "result": "Результат", "documents": "Решение по каждому документу",
        "document": "Документ", "decided_by": "Кем решено", "findings": "Выводы",
        "notices": "Уведомления", "pending": "Незавершённые шаги", "no_findings": "Выводов нет.",
        "due": "срок", "days_from": "{days} дн. ({unit}) с {start}", "done": "сделано",
        "not_done": "не сделано", "late": "опоздание {n} дн. ({unit})",
        "chain": "Цепочка срабатываний",
        "chain_intro": "Каждый блок - сработавшее правило; стрелка - факт, выведенный одним "
                       "срабатыванием и использованный следующим. Серые блоки - документы "
                       "самого дела.",
        "calendar": "Сроки на календаре", "weekend": "выходной", "holiday": "нерабочий день",
        "working": "рабочий день", "start": "начало", "errors": "Дело не удалось проверить",
        "decision": "Номер решения", "facts": "Факты", "assumption": "Допущение",
        "severity": "Важность", "param_change": "Изменить значение права",
        "parameter": "Параметр", "new_value": "Новое значение", "from_date": "С даты",
        "proposal": "Или предложение", "proposal_text": "Предложение (сценарий YAML)",
        "proposal_upload": "или загрузите предложение", "population": "Совокупность дел",
        "shipped_population": "Пример из поставки",
        "upload_population": "Загрузить дела (JSON lines, JSON или список YAML)",
        "run": "Выполнить", "mode_param": "значение, изменённое в этой форме",
        "mode_proposal": "предложение ниже", "what_to_run": "Что выполнить",
        "law_change": "Изменение права", "no_change": "Ни параметр, ни правило не меняются.",
        "counts": "Дела", "changed": "изменились", "notices_only": "изменились только "
        "уведомления", "unchanged": "без изменений", "not_judged": "не проверены",
        "outcome_changes": "Изменения решений по видам документов", "before": "до",
        "after": "после", "count": "число", "totals": "Итоги по решениям",
        "by_rule": "По правилам", "newly_fires": "начинает срабатывать",
        "stops_firing": "перестаёт срабатывать", "changed_cases": "Изменившиеся дела",
        "notice_cases": "Изменились только уведомления", "download": "Скачать",
        "report_md": "Отчёт (Markdown)", "report_json": "Отчёт (JSON)",
        "proposal_yaml": "Предложение (YAML) для коммита",
        "rule_tests": "Тесты правил при предложении", "tests_pass": "пройдено: {passed}, не "
        "пройдено: {failed}", "expected": "ожидалось, не произошло",
        "unexpected": "произошло, не ожидалось", "actual": "на деле", "problems": "Ошибки",
        "hint": "подсказка", "case_col": "Дело", "record": "Запись", "appeared": "появились",
        "went": "исчезли", "type": "Вид документа", "too_large": "Загрузка слишком велика",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS[lang if lang in WORDS else "en"]
