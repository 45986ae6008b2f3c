"""The app's own labels in English and Chinese (question texts carry both in the banks)."""

from __future__ import annotations

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}

LABELS: dict[str, tuple[str, str]] = {
    # home
    "due_today": ("Due today", "今日待复习"),
    "new_today": ("New today", "今日新题"),
    "exercises_passed": ("Exercises passed", "已通过练习"),
    "streak": ("Streak", "连续学习"),
    "days": ("days", "天"),
    "loading": ("Loading your progress…", "正在载入学习进度…"),
    "start_review": ("Start review", "开始复习"),
    "browse": ("Browse questions", "浏览题库"),
    "exercises": ("Exercises", "编程练习"),
    "statistics": ("Statistics", "学习统计"),
    "weakest": ("Weakest topic", "最薄弱的主题"),
    "nothing_due": (
        "Nothing due and no new questions left today. Come back tomorrow, or browse to practise.",
        "今天没有待复习的题目，新题也已学完。明天再来，或者去题库里自由练习。",
    ),
    "questions_in_bank": ("questions in the bank", "道题目"),
    # review
    "question": ("Question", "题目"),
    "topic": ("Topic", "主题"),
    "difficulty": ("Difficulty", "难度"),
    "type_choice": ("single choice", "单选题"),
    "type_multi": ("multiple choice — pick all that apply", "多选题——选出所有正确选项"),
    "type_open": ("open question", "问答题"),
    "choice_help": (
        "Press 1–{n} to answer.",
        "按 1–{n} 作答。",
    ),
    "multi_help": (
        "Press 1–{n} (or space on the highlighted option) to toggle, enter to submit.",
        "按 1–{n}（或在高亮选项上按空格）勾选，按回车提交。",
    ),
    "open_help": (
        "Type your answer below (optional), then press ctrl+r to reveal the model answer.",
        "可在下方写下你的答案（可选），然后按 ctrl+r 查看参考答案。",
    ),
    "your_answer": ("Your answer (optional)…", "你的答案（可选）…"),
    "correct": ("Correct", "回答正确"),
    "wrong": ("Not quite", "回答有误"),
    "right_answer": ("The right answer", "正确答案"),
    "model_answer": ("Model answer", "参考答案"),
    "key_points": ("Key points", "要点"),
    "explanation": ("Explanation", "解析"),
    "references": ("References", "参考文献"),
    "grade_yourself": (
        "How well did you know it?  1 Again · 2 Hard · 3 Good · 4 Easy",
        "你掌握得如何？ 1 忘记 · 2 困难 · 3 良好 · 4 简单",
    ),
    "rating_1": ("Again", "忘记"),
    "rating_2": ("Hard", "困难"),
    "rating_3": ("Good", "良好"),
    "rating_4": ("Easy", "简单"),
    "next_review": ("Next review", "下次复习"),
    "press_next": ("Press enter for the next question.", "按回车进入下一题。"),
    "practise_exercise": ("Practise the idea in code: {ex} (press x)", "动手练习：{ex}（按 x）"),
    "session_done": ("Session complete", "本轮复习完成"),
    "answered": ("Answered", "已作答"),
    "right": ("right", "正确"),
    "comes_back": ("Due again today", "今天还会再出现"),
    "back_home": ("Press enter or escape to go back.", "按回车或 Esc 返回。"),
    "practice_mode": ("practice (out of schedule)", "自由练习（不按计划）"),
    "review_mode": ("review", "复习"),
    # statuses
    "new": ("new", "新题"),
    "learning": ("learning", "学习中"),
    "due": ("due", "待复习"),
    "mastered": ("mastered", "已掌握"),
    # browse (labels of the browse screen go here)
    # exercises (labels of the exercises workbench go here)
    # stats (labels of the statistics screen go here)
}


def t(key: str, lang: str, **values: object) -> str:
    """The label `key` in `lang` (English when missing), with `{placeholders}` filled in."""
    en, zh = LABELS.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
