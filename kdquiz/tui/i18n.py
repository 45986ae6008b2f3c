"""The app's own labels in English and Chinese (question texts carry both in the banks)."""

from __future__ import annotations

LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}

LABELS: dict[str, tuple[str, str]] = {
    # home
    "tagline": ("Knowledge distillation for recommender systems", "推荐系统中的知识蒸馏"),
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
    "weakest_detail": ("{share} right over {n} answers", "{n} 次作答，正确率 {share}"),
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
    "browse_search": ("Search prompts and ids…  ( / )", "搜索题目与编号…  （ / ）"),
    "browse_all_topics": ("all topics", "全部主题"),
    "browse_all_types": ("all types", "全部题型"),
    "browse_any_difficulty": ("any ★", "任意难度"),
    "browse_any_status": ("any status", "任意状态"),
    "browse_type_choice": ("choice", "单选"),
    "browse_type_multi": ("multi", "多选"),
    "browse_type_open": ("open", "问答"),
    "browse_col_id": ("Id", "编号"),
    "browse_col_type": ("Type", "题型"),
    "browse_col_difficulty": ("★", "难度"),
    "browse_col_status": ("Status", "状态"),
    "browse_count": ("{shown} of {total} questions", "显示 {shown} / {total} 题"),
    "browse_keys": (
        "enter practise · / search · t y d s cycle filters · c clear",
        "回车 练习 · / 搜索 · t y d s 切换筛选 · c 清除",
    ),
    "browse_no_match": (
        "No question matches. Press c to clear the search and the filters.",
        "没有符合条件的题目。按 c 清除搜索和筛选。",
    ),
    # exercises (labels of the exercises workbench go here)
    # stats (labels of the statistics screen go here)
    "stats_answers": ("answers", "次作答"),
    "stats_right": ("right", "正确率"),
    "stats_streak": ("day streak", "天连续学习"),
    "stats_mastered": ("mastered", "道已掌握"),
    "stats_passed": ("exercises passed", "个练习已通过"),
    "stats_topics": ("Topics, weakest first", "各主题掌握情况（最薄弱的在前）"),
    "stats_accuracy": ("Accuracy", "正确率"),
    "stats_retention": ("Retention now", "当前记忆保持率"),
    "stats_seen": ("Seen", "已学"),
    "stats_answers_col": ("Answers", "作答"),
    "stats_not_started": ("not started", "尚未开始"),
    "stats_days": ("Answers per day, last 4 weeks", "近 4 周每日作答"),
    "stats_days_summary": (
        "{total} answers in 4 weeks · {right} right · {active} active days",
        "4 周共作答 {total} 次 · 正确 {right} 次 · 学习了 {active} 天",
    ),
    "stats_legend_right": ("right", "正确"),
    "stats_legend_wrong": ("wrong", "错误"),
    "stats_no_answers": (
        "No answers yet. Press r to start your first review session (or r on the home screen); "
        "your accuracy, retention and daily chart will appear here.",
        "还没有作答记录。按 r 开始第一轮复习（或在首页按 r），正确率、记忆保持率和每日图表会显示在这里。",
    ),
    "stats_no_recent": (
        "No answers in the last 4 weeks. Press r to pick up where you left off.",
        "近 4 周没有作答。按 r 继续复习。",
    ),
    "stats_exercises": ("Exercises", "编程练习"),
    "stats_attempts": ("Checks", "检查记录"),
    "stats_result": ("Result", "结果"),
    "stats_hints": ("Hints", "提示"),
    "stats_solution": ("Solution", "参考答案"),
    "stats_passed_on": ("passed on try {n}", "第 {n} 次通过"),
    "stats_failing": ("not passed yet", "尚未通过"),
    "stats_untried": ("not tried", "未尝试"),
    "stats_revealed": ("seen", "已查看"),
    "stats_no_checks": (
        "No checks yet. Press e to open the exercises, write a solution and check it.",
        "还没有检查记录。按 e 打开编程练习，写好解答后运行检查。",
    ),
}


def t(key: str, lang: str, **values: object) -> str:
    """The label `key` in `lang` (English when missing), with `{placeholders}` filled in."""
    en, zh = LABELS.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text
