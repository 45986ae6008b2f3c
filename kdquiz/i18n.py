"""Every user-visible label in English and Chinese, for the CLI and the app (question texts
carry both languages in the banks)."""

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
    "day": ("{n} day", "{n} 天"),
    "days": ("{n} days", "{n} 天"),
    "loading": ("Loading your progress…", "正在载入学习进度…"),
    "load_failed": (
        "Your progress could not be loaded; fix the problem below and restart kdquiz.",
        "无法载入学习进度；请先解决下面的问题，再重新启动 kdquiz。",
    ),
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
    "questions_in_bank": ("{n} questions", "{n} 道题目"),
    "n_exercises": ("{n} coding exercises", "{n} 个编程练习"),
    "home_workspace": ("Your workspace: {path}", "你的工作区：{path}"),
    "settings_workspace": (
        "Your workspace (where your exercise files are; `kdquiz where` prints it)",
        "你的工作区（练习文件所在的位置；`kdquiz where` 会显示它）",
    ),
    "menu_review": ("Review", "复习"),
    "menu_browse": ("Browse", "题库"),
    "menu_exercises": ("Exercises", "练习"),
    "menu_stats": ("Statistics", "统计"),
    "menu_lab": ("Lab", "实验室"),
    "menu_interview": ("Interview", "面试"),
    "menu_settings": ("Settings", "设置"),
    # help
    "help_title": ("Keys", "快捷键"),
    "help_palette": ("Command palette: every action by name", "命令面板：按名称查找所有操作"),
    "help_everywhere": ("Everywhere", "任何界面"),
    "help_every_screen": ("Every screen but home", "除首页外的界面"),
    "help_home": ("Home", "首页"),
    "help_review": ("Review and practice", "复习与练习"),
    "help_browse": ("Browse", "浏览题库"),
    "help_exercises": ("Exercises", "编程练习"),
    "help_numbers": (
        "Answer a choice question / toggle a multi-select option",
        "回答单选题 / 勾选或取消多选题的选项",
    ),
    "help_arrows": (
        "Move between options / toggle or pick the highlighted one",
        "在选项间移动 / 勾选或选中高亮的选项",
    ),
    "help_type": (
        "Type an answer to an open question (tab or escape leaves the text box)",
        "为问答题写下答案（按 Tab 或 Esc 离开输入框）",
    ),
    "help_reveal": ("Reveal the model answer of an open question", "查看问答题的参考答案"),
    "help_grade": (
        "After reveal: grade yourself Again / Hard / Good / Easy",
        "查看答案后自评：忘记 / 困难 / 良好 / 简单",
    ),
    # settings
    "settings": ("Settings", "设置"),
    "new_per_day": ("New questions per day", "每天学习的新题数"),
    "desired_retention": (
        "Desired retention (0.70–0.97): how sure you want to be of an answer when it comes due",
        "目标记忆保持率（0.70–0.97）：题目到期时你希望还记得的把握",
    ),
    "workload": (
        "≈ {n} reviews a day over the next 30 days at {retention}, if you answer Good",
        "按 {retention} 计算，未来 30 天每天约复习 {n} 次（假设每次都答“良好”）",
    ),
    "retention_invalid": ("Enter a number from 0.70 to 0.97.", "请输入 0.70 到 0.97 之间的数。"),
    "new_per_day_invalid": ("Enter a whole number from 0 to 500.", "请输入 0 到 500 之间的整数。"),
    "language": ("Language", "语言"),
    "save": ("Save", "保存"),
    "close": ("Close", "关闭"),
    "due_now": ("now", "现在"),
    "due_in_min": ("in {n} min", "{n} 分钟后"),
    "due_in_h": ("in {n} h", "{n} 小时后"),
    "due_in_day": ("in 1 day", "1 天后"),
    "due_in_days": ("in {n} days", "{n} 天后"),
    "anki_answer": ("Answer", "答案"),
    "anki_explanation": ("Explanation", "解析"),
    "anki_key_points": ("Key points", "要点"),
    "anki_model_answer": ("Model answer", "参考答案"),
    "anki_references": ("References", "参考文献"),
    "yes_typed": ("yes", "是"),
    "chart_day": ("{day}", "{day}日"),
    "chart_month_day": ("{month}/{day}", "{month}月{day}日"),
    "likely_mistake": ("Likely mistake:", "可能的错误："),
    # the checker's own messages (kdquiz.checker: plugin and runner)
    "chk_and_more": (" and {n} more", " 等另外 {n} 项"),
    "chk_cancelled": ("The check was cancelled.", "检查已取消。"),
    "chk_not_run": ("Did not run.", "没有运行。"),
    "chk_check_timeout": (
        "This check took longer than {seconds} s and was stopped; is there an infinite loop, or a "
        "very slow Python loop over elements?",
        "这项检查用时超过 {seconds} 秒，已被终止；是不是有死循环，或者在逐个元素上跑很慢的 Python "
        "循环？",
    ),
    "chk_collect_error": (
        "The hidden suite could not be loaded:\n{message}",
        "无法载入隐藏测试：\n{message}",
    ),
    "chk_crashed_using": (
        "The check crashed while using your result: {last}",
        "检查在使用你的结果时崩溃了：{last}",
    ),
    "chk_ended_early": (
        "The check process ended before the checks finished; does your code call sys.exit() or "
        "os._exit()?",
        "检查进程在检查完成之前就结束了；你的代码是否调用了 sys.exit() 或 os._exit()？",
    ),
    "chk_killed": (
        "The check process was killed by {name}; your code may have crashed Python.",
        "检查进程被 {name} 杀死；你的代码可能让 Python 崩溃了。",
    ),
    "chk_limit_unknown": ("set by the checker", "由检查程序设定"),
    "chk_memory_limit": (
        "Your code exceeded the memory limit ({size}).",
        "你的代码超出了内存上限（{size}）。",
    ),
    "chk_missing_results": ("Some checks reported no result.", "有些检查没有报告结果。"),
    "chk_no_checks": (
        "No checks ran, so nothing was verified.",
        "没有运行任何检查，因此什么也没有验证。",
    ),
    "chk_not_implemented": (
        "{function} is not implemented yet (it raises NotImplementedError).",
        "{function} 还没有实现（它抛出了 NotImplementedError）。",
    ),
    "chk_out_of_memory": (
        "Your code ran out of memory (the limit is {limit}); look for a huge tensor, e.g. an "
        "outer product or a (N, N) matrix that is not needed.",
        "你的代码用光了内存（上限为 {limit}）；找找有没有巨大的张量，例如不必要的外积或 (N, N) 矩"
        "阵。",
    ),
    "chk_output_flood": (
        "Your code printed or wrote far too much output; the check was stopped.",
        "你的代码打印或写出的内容太多；检查已被终止。",
    ),
    "chk_output_limit": (
        "Your code wrote more than {size} of output; the check was stopped.",
        "你的代码输出超过了 {size}；检查已被终止。",
    ),
    "chk_raised": ("Your code raised {error}\n{trace}", "你的代码抛出了 `{error}`\n{trace}"),
    "chk_skipped": (
        "This check was skipped, so it did not pass.",
        "这项检查被跳过了，因此不算通过。",
    ),
    "chk_tampered_checker": (
        "Your code changed the checker ({shown}); an exercise must not modify the hidden suite, "
        "its helpers or pytest (the check was failed and they were restored).",
        "你的代码改动了检查程序（{shown}）；练习不得修改隐藏测试、它的辅助代码或 pytest（本项检查"
        "判为失败，它们已被恢复）。",
    ),
    "chk_tampered_torch": (
        "Your code replaced {shown}; an exercise must not monkeypatch torch, math or builtins "
        "(the check was failed and they were restored).",
        "你的代码替换了 {shown}；练习不得对 torch、math 或 builtins 打猴子补丁（本项检查判为失败，"
        "它们已被恢复）。",
    ),
    "chk_timeout": (
        "The check was stopped after {seconds} s (the time limit); does your code loop forever or "
        "run very slowly?",
        "检查在 {seconds} 秒（时间上限）后被终止；你的代码是不是陷入了死循环，或者运行得非常慢？",
    ),
    "chk_warm_lost": (
        "The warm checker stopped during the check; check again to get a verdict.",
        "预热的检查进程在检查途中停止了；请再检查一次以得到结果。",
    ),
    # the lab's results
    "lab_model_teacher": ("teacher (EASE)", "教师模型（EASE）"),
    "lab_model_teacher_sasrec": ("teacher (SASRec)", "教师模型（SASRec）"),
    "lab_model_scratch": ("student, from scratch", "学生模型，从零训练"),
    "lab_model_ranking": ("ranking KD (ex. 8)", "排序蒸馏（练习 8）"),
    "lab_model_listwise": ("listwise KD (ex. 13)", "列表级蒸馏（练习 13）"),
    "lab_model_soft": ("soft-target KD (ex. 1)", "软目标蒸馏（练习 1）"),
    "lab_col_model": ("model", "模型"),
    "lab_col_params": ("params", "参数量"),
    "lab_col_kept": ("kept", "保留"),
    "lab_legend_ms": (
        "ms/1k: milliseconds to score every item for 1,000 users and take their top 10.",
        "ms/1k：为 1,000 个用户给所有物品打分并取前 10 所用的毫秒数。",
    ),
    "lab_legend_kept": (
        "kept: the model's NDCG@10 as a share of the teacher's.",
        "保留：模型的 NDCG@10 占教师模型的比例。",
    ),
    "lab_legend_means": (
        "Means over the seeds (a wider window shows ± the std and the latency).",
        "数值为各种子的均值（窗口更宽时会显示 ± 标准差和延迟）。",
    ),
    "lab_functions_ref": ("the reference solutions", "参考解"),
    "lab_functions_yours": ("your workspace", "你的工作区"),
    "lab_summary_data": (
        "{name}: {users} users, {items} items, {interactions} interactions before test; "
        "{split}; mean ± std over {seeds} seed(s) (sample std); losses and metrics from "
        "{functions}.",
        "{name}：{users} 个用户，{items} 个物品，测试前共 {interactions} 条交互；{split}；"
        "{seeds} 个种子的均值 ± 标准差（样本标准差）；损失和指标来自{functions}。",
    ),
    "lab_split_loo_time": (
        "leave-one-out by time (each user's last item is the test item, the one before it the "
        "validation item)",
        "按时间留一（每个用户最后一个物品作测试，倒数第二个作验证）",
    ),
    "lab_split_loo_random": (
        "leave-one-out, held-out items drawn at random (the data has no timestamps)",
        "留一法，留出物品随机抽取（数据没有时间戳）",
    ),
    "lab_split_global": (
        "split in time for every user at once (each user's first item in the last 10% of time "
        "is the test item, in the 10% before it the validation item)",
        "所有用户按同一时间切分（每个用户在最后 10% 时间内的第一个物品作测试，"
        "之前 10% 内的作验证）",
    ),
    "lab_protocol": (
        "Protocol: the teacher's λ and recency weight, each student's KD weight and its number "
        "of epochs (stopped once validation NDCG@10 had not improved for {patience} epochs) "
        "were chosen on validation; every model was then refit on train+validation and scored "
        "on test, ranking every item the user had not interacted with.",
        "协议：教师的 λ 和近期权重、每个学生的蒸馏权重和训练轮数（验证集 NDCG@10 连续 "
        "{patience} 轮未提升即停止）都在验证集上选定；随后每个模型在训练+验证数据上重新训练，"
        "在测试集上评估，对用户未交互过的全部物品排序。",
    ),
    "lab_epochs_chosen": (
        "Epochs per seed, chosen on validation — {epochs}.",
        "各种子在验证集上选定的训练轮数——{epochs}。",
    ),
    "lab_cut_short": (
        "Cut short at {epochs} epochs while validation could still improve: {models}. These "
        "results are a first look; the full preset trains each student to its own stopping "
        "point.",
        "在 {epochs} 轮处被截断、验证集指标可能仍在提升的学生模型：{models}。这些结果只是初步"
        "观察；完整预设会让每个学生模型训练到各自的停止点。",
    ),
    "lab_summary_student": (
        "{model}: {verdict}; keeps {kept} of the teacher's NDCG@10 with {share} of its parameters.",
        "{model}：{verdict}；用教师模型 {share} 的参数保留了它 {kept} 的 NDCG@10。",
    ),
    "lab_beats_scratch": (
        "beats scratch, NDCG@10 {diff} per user (95% CI {low} to {high}, {p})",
        "优于从零训练，每个用户的 NDCG@10 {diff}（95% 置信区间 {low} 到 {high}，{p}）",
    ),
    "lab_worse_than_scratch": (
        "worse than scratch, NDCG@10 {diff} per user (95% CI {low} to {high}, {p})",
        "不如从零训练，每个用户的 NDCG@10 {diff}（95% 置信区间 {low} 到 {high}，{p}）",
    ),
    "lab_no_difference": (
        "no significant difference from scratch, NDCG@10 {diff} per user (95% CI {low} to "
        "{high}, {p})",
        "与从零训练没有显著差异，每个用户的 NDCG@10 {diff}（95% 置信区间 {low} 到 {high}，{p}）",
    ),
    "lab_vs_scratch_plain": ("NDCG@10 {diff} vs scratch", "NDCG@10 比从零训练 {diff}"),
    "lab_model_popularity": ("most popular (floor)", "最热门（下限）"),
    "lab_model_random": ("random (floor)", "随机（下限）"),
    "lab_took": ("Took {seconds} s on {device}.", "用时 {seconds} 秒（{device}）。"),
    "lab_chart_title": (
        "validation NDCG@10 per epoch (mean over seeds)",
        "每个 epoch 的验证集 NDCG@10（各种子的均值）",
    ),
    "lab_chart_epoch": ("epoch {n}", "epoch {n}"),
    "lab_svg_epoch": ("epoch", "epoch"),
    "lab_svg_valid": ("validation NDCG@10", "验证集 NDCG@10"),
    "lab_svg_title": (
        "Students: validation NDCG@10 per epoch",
        "学生模型：每个 epoch 的验证集 NDCG@10",
    ),
    # question bank validation (kdquiz validate)
    "bank_text_mapping": (
        "must be a mapping with 'en' and 'zh' texts",
        "必须是含 'en' 和 'zh' 两种文本的映射",
    ),
    "bank_text_missing": ("missing or empty text for {langs}", "缺少 {langs} 文本，或文本为空"),
    "bank_must_be_list": ("must be a list", "必须是列表"),
    "bank_entry_mapping": (
        "each entry must be a mapping (a question)",
        "每一项都必须是映射（一道题）",
    ),
    "bank_unknown_field": ("unknown field", "未知字段"),
    "bank_missing_field": ("missing required field", "缺少必填字段"),
    "bank_bad_id": (
        "must be kebab-case (lowercase letters, digits, dashes), got {got}",
        "必须是 kebab-case 格式（小写字母、数字、连字符），收到的是 {got}",
    ),
    "bank_bad_topic": (
        "must be a kebab-case slug, got {got}",
        "必须是 kebab-case 格式的标识，收到的是 {got}",
    ),
    "bank_bad_type": ("must be one of {types}, got {got}", "必须是 {types} 之一，收到的是 {got}"),
    "bank_bad_difficulty": ("must be 1, 2 or 3, got {got}", "必须是 1、2 或 3，收到的是 {got}"),
    "bank_bad_references": ("must be a non-empty list of citations", "必须是非空的文献列表"),
    "bank_unknown_exercise": ("unknown exercise {got}", "没有这个练习：{got}"),
    "bank_not_allowed": ("not allowed for type {type}", "题型 {type} 不允许这个字段"),
    "bank_bad_pin": (
        "pin must be true or false, got {got}",
        "pin 必须是 true 或 false，收到的是 {got}",
    ),
    "bank_one_answer": (
        "a choice question has exactly one answer index (use type multi)",
        "单选题只能有一个答案下标（多个答案请用 multi 题型）",
    ),
    "bank_multi_answers": (
        "a multi question needs a non-empty list of answer indices",
        "多选题需要一个非空的答案下标列表",
    ),
    "bank_int_answers": ("indices must be integers, got {got}", "下标必须是整数，收到的是 {got}"),
    "bank_repeated_answer": ("repeated index in {got}", "{got} 中有重复的下标"),
    "bank_answer_range": (
        "index {index} out of range ({n} choices, 0-based)",
        "下标 {index} 超出范围（共 {n} 个选项，从 0 开始）",
    ),
    "bank_no_file": ("no such file", "文件不存在"),
    "bank_unreadable": ("cannot be read: {why}", "无法读取：{why}"),
    "bank_bad_yaml": ("invalid YAML: {why}", "YAML 格式错误：{why}"),
    "bank_empty": ("the file is empty", "文件是空的"),
    "bank_not_list": (
        "a bank must be a YAML list of questions",
        "题库必须是由题目组成的 YAML 列表",
    ),
    "bank_duplicate": ("duplicate id (first defined in {where})", "id 重复（最早定义在 {where}）"),
    "bank_entries": (
        "needs {low} to {high} entries, has {n}",
        "需要 {low} 到 {high} 项，现有 {n} 项",
    ),
    "bank_entries_min": ("needs at least {low} entries, has {n}", "至少需要 {low} 项，现有 {n} 项"),
    "bank_bad_follow_ups": (
        "must be a list of 1 to {most} question ids, got {got}",
        "必须是 1 到 {most} 个题目 id 组成的列表，收到的是 {got}",
    ),
    "bank_follow_up_repeated": (
        "names a question twice, or the question itself: {got}",
        "重复列出了同一道题，或者列出了本题自己：{got}",
    ),
    "bank_unknown_follow_up": ("no question has the id {got}", "没有 id 为 {got} 的题目"),
    "bank_follow_up_cycle": (
        "following {got} leads back to this question",
        "沿着 {got} 追问下去会回到本题，形成了循环",
    ),
    # the command line's --help
    "help_usage": ("usage:", "用法："),
    "help_positionals": ("arguments", "参数"),
    "help_options": ("options", "选项"),
    "help_commands": ("commands", "命令"),
    "help_help": ("show this help and exit", "显示本帮助并退出"),
    "help_version": ("show the version and exit", "显示版本号并退出"),
    "help_kdquiz": (
        "Practise knowledge distillation for recommender-system interviews. With no command, "
        "starts the terminal app.",
        "练习推荐系统面试中的知识蒸馏。不带命令时启动终端应用。",
    ),
    "help_workspace": (
        "workspace folder with exercises/ (default: KDQUIZ_WORKSPACE, the nearest ancestor "
        "workspace, or one in the data dir)",
        "含 exercises/ 的工作区文件夹（默认：KDQUIZ_WORKSPACE、最近的上级工作区，或数据文件夹中的"
        "工作区）",
    ),
    "help_questions": (
        "extra folder of question banks (repeatable; also KDQUIZ_QUESTIONS)",
        "额外的题库文件夹（可重复指定；也可用 KDQUIZ_QUESTIONS）",
    ),
    "help_lang": (
        "language of the app and of every command's output (remembered; the app's ctrl+l "
        "switches it)",
        "应用和所有命令输出的语言（会被记住；在应用中按 ctrl+l 切换）",
    ),
    "help_check": ("run the hidden checks on an exercise", "对一个练习运行隐藏检查"),
    "help_exercise_default": (
        "exercise id, e.g. exercise_2 (default: the first not passed)",
        "练习 id，例如 exercise_2（默认：第一个尚未通过的练习）",
    ),
    "help_exercise": ("exercise id, e.g. exercise_2", "练习 id，例如 exercise_2"),
    "help_check_all": ("check every exercise in one run", "一次检查所有练习"),
    "help_check_json": ("print the result document as JSON", "以 JSON 输出结果"),
    "help_check_timeout": (
        "wall-clock limit of the run (default: 60 s per exercise)",
        "本次运行的时间上限（默认：每个练习 60 秒）",
    ),
    "help_check_memory": ("memory cap of the run (default: 4G)", "本次运行的内存上限（默认：4G）"),
    "help_watch": (
        "check an exercise now and on every save (h hint, n next exercise, q quit)",
        "立即检查一个练习，之后每次保存都重新检查（h 提示，n 下一个练习，q 退出）",
    ),
    "help_list": (
        "show your exercises' status and the questions per topic",
        "显示各练习的状态和各主题的题目数",
    ),
    "help_where": (
        "show where your workspace, progress and question banks are",
        "显示工作区、学习进度和题库的位置",
    ),
    "help_hint": ("show the next hint for an exercise", "显示一个练习的下一条提示"),
    "help_solution": ("show the reference solution of an exercise", "显示一个练习的参考解"),
    "help_yes": ("do not ask for confirmation", "不再询问确认"),
    "help_solution_diff": ("show your file against it", "对照显示你的文件和参考解"),
    "help_reset": (
        "restore an exercise's stub (backs your file up first)",
        "把练习恢复为初始文件（会先备份你的文件）",
    ),
    "help_reset_all": ("reset every exercise", "重置所有练习"),
    "help_init": (
        "create a new workspace with every exercise stub",
        "创建一个包含所有练习初始文件的新工作区",
    ),
    "help_init_directory": ("the folder to create it in", "要创建工作区的文件夹"),
    "help_export": ("export the questions as an Anki deck", "把题目导出为 Anki 卡组"),
    "help_export_format": (
        "the deck format (anki: an .apkg file)",
        "卡组格式（anki：一个 .apkg 文件）",
    ),
    "help_export_file": ("the deck file to write", "要写入的卡组文件"),
    "help_export_lang": (
        "language of the cards (both: English, then Chinese; default: en)",
        "卡片的语言（both：先英文后中文；默认：en）",
    ),
    "help_fsrs": (
        "the review scheduler's memory model (FSRS): show it, fit it to your reviews, or reset it",
        "复习排程的记忆模型（FSRS）：查看、按你的复习记录拟合，或恢复默认",
    ),
    "help_fsrs_action": (
        "show (default): the parameters in use and your history; optimize: fit them to your "
        "reviews; reset: back to FSRS's defaults",
        "show（默认）：当前参数和你的复习记录；optimize：按你的复习记录拟合；reset：恢复 FSRS "
        "默认参数",
    ),
    "help_fsrs_yes": (
        "use the fitted parameters and reschedule without asking",
        "直接使用拟合出的参数并重新排程，不再询问",
    ),
    "help_fsrs_no_reschedule": (
        "keep existing cards' due dates (new parameters apply from each card's next review)",
        "保留已有卡片的到期日（新参数从每张卡片的下一次复习起生效）",
    ),
    "help_validate": ("validate question bank files", "检查题库文件"),
    "help_validate_paths": (
        "files or folders (default: the built-in bank and your banks)",
        "文件或文件夹（默认：内置题库和你的题库）",
    ),
    "help_lab": (
        "train a teacher, then small students with and without distillation, and compare them",
        "训练一个教师模型，再训练有、无蒸馏的小学生模型，并比较它们",
    ),
    "help_lab_data": (
        "your own user,item[,timestamp] CSV (default: MovieLens-100K if fetched, else "
        "synthetic data)",
        "你自己的 user,item[,timestamp] CSV 文件（默认：已获取时用 MovieLens-100K，否则用合成数据"
        "）",
    ),
    "help_lab_synthetic": ("use the synthetic data", "使用合成数据"),
    "help_lab_seeds": (
        "seeds to average over (default: 3, or 1 with --quick)",
        "取平均的种子数（默认：3；使用 --quick 时为 1）",
    ),
    "help_lab_epochs": (
        "most training epochs per student (each stops when validation stops improving; "
        "default: 300)",
        "每个学生模型最多训练的轮数（验证集不再提升时提前停止；默认：300）",
    ),
    "help_lab_split": (
        "leave-one-out (each user's last two items, the default) or global-time (the same two "
        "moments in time for every user: nothing from the future in training)",
        "leave-one-out（每个用户最后两个物品，默认）或 global-time（所有用户共用两个时间切点："
        "训练中没有来自未来的数据）",
    ),
    "help_lab_teacher": (
        "the teacher: ease (the default, an item-item model with items² parameters) or sasrec "
        "(a sequential transformer, SASRec; its epochs chosen on validation; slower)",
        "教师模型：ease（默认，物品-物品模型，参数量为物品数的平方）或 sasrec（序列 Transformer "
        "模型 SASRec，训练轮数在验证集上选定；更慢）",
    ),
    "help_lab_quick": (
        "the quick preset: 1 seed and fewer epochs, a first look in well under a minute on 2 "
        "cores (--seeds and --epochs still apply)",
        "快速预设：1 个种子、更少的训练轮数，在 2 核 CPU 上不到一分钟就能先看个大概（--seeds 和 "
        "--epochs 仍然有效）",
    ),
    "help_lab_use_workspace": (
        "run your own losses and metrics (exercises 1, 4, 5, 8, 13) from your workspace",
        "使用你工作区中自己实现的损失和指标（练习 1、4、5、8、13）",
    ),
    "help_lab_json": ("print the results as one JSON document", "以一个 JSON 文档输出结果"),
    "help_lab_plot": ("save the chart (.svg or .png)", "保存图表（.svg 或 .png）"),
    "help_lab_timeout": (
        "wall-clock limit of the run (default: 600)",
        "本次运行的时间上限（默认：600）",
    ),
    "help_lab_memory": ("memory cap (default: 6G)", "内存上限（默认：6G）"),
    "lab_bad_seeds": ("--seeds must be at least 1.", "--seeds 至少为 1。"),
    "lab_bad_epochs": (
        "--epochs must be at least 1, got {given}.",
        "--epochs 至少为 1，收到的是 {given}。",
    ),
    "lab_memory_too_small": (
        "--memory {given} is too small for the lab (it needs at least {least}).",
        "--memory {given} 对实验室来说太小了（至少需要 {least}）。",
    ),
    "lab_no_data_file": ("{path} does not exist or is not a file.", "{path} 不存在或不是文件。"),
    "lab_plot_kind": ("--plot writes an .svg or a .png file.", "--plot 只能写 .svg 或 .png 文件。"),
    "lab_plot_png": (
        "a .png chart needs matplotlib (pip install matplotlib); .svg works without it.",
        "生成 .png 图表需要 matplotlib（`pip install matplotlib`）；.svg 不需要。",
    ),
    "lab_plot_no_folder": (
        "cannot save the chart: the folder {folder} does not exist.",
        "无法保存图表：文件夹 {folder} 不存在。",
    ),
    "lab_plot_not_writable": (
        "cannot save the chart: the folder {folder} is not writable.",
        "无法保存图表：文件夹 {folder} 不可写。",
    ),
    "lab_plot_saved": ("Saved the chart to {path}.", "图表已保存到 {path}。"),
    "help_lab_header": (
        "the CSV's first row is a header (default: when its columns are named like user, item, "
        "timestamp)",
        "CSV 的第一行是表头（默认：当各列名为 user、item、timestamp 之类的名字时）",
    ),
    # the lab's errors
    "lab_error": ("{message}", "{message}"),
    "lab_bad_result": (
        "The lab's result could not be read ({why}); please report it.",
        "无法读取实验结果（{why}）；请报告这个问题。",
    ),
    "labdata_missing": ("{path} does not exist.", "{path} 不存在。"),
    "labdata_unreadable": (
        "{path} cannot be read as a text CSV file ({why}).",
        "{path} 无法作为文本 CSV 文件读取（{why}）。",
    ),
    "labdata_empty": (
        "{path} has no interactions; expected rows of user,item[,timestamp].",
        "{path} 里没有交互记录；每行应为 user,item[,timestamp]。",
    ),
    "labdata_width": (
        "{path}: line 1 has {width} columns; expected user,item or user,item,timestamp.",
        "{path}：第 1 行有 {width} 列；应为 user,item 或 user,item,timestamp。",
    ),
    "labdata_row_width": (
        "{path}: row {row} has {n} columns, not {width}.",
        "{path}：第 {row} 行有 {n} 列，而不是 {width} 列。",
    ),
    "labdata_row_empty": (
        "{path}: row {row} has an empty user or item.",
        "{path}：第 {row} 行的用户或物品为空。",
    ),
    "labdata_row_time": (
        "{path}: row {row} has a timestamp that is not a number.",
        "{path}：第 {row} 行的时间戳不是数字。",
    ),
    "labdata_no_times": (
        "{name} has no timestamps, so it cannot be split in time: use the default "
        "leave-one-out split.",
        "{name} 没有时间戳，无法按时间切分：请使用默认的留一法切分。",
    ),
    "labdata_split_small": (
        "{name} is too small for a split in time: the lab needs at least 10 users with history "
        "before each held-out period (found {valid} for validation, {test} for test).",
        "{name} 太小，无法按时间切分：实验室需要在每个留出时段之前都有历史的用户至少 10 个"
        "（验证时段找到 {valid} 个，测试时段 {test} 个）。",
    ),
    "labdata_small": (
        "{where} is too small: the lab needs at least 10 users with 3 or more distinct items "
        "each and 10 items (found {users} such users, {items} items).",
        "{where} 太小了：实验室至少需要 10 个各有 3 个以上不同物品的用户和 10 个物品（找到 {users} "
        "个这样的用户、{items} 个物品）。",
    ),
    "labdata_items": (
        "{name} has {items} items; the lab's EASE teacher handles at most {most} (it inverts an "
        "items × items matrix).",
        "{name} 有 {items} 个物品；实验室的 EASE 教师模型最多处理 {most} 个（它要对物品 × 物品矩阵"
        "求逆）。",
    ),
    "labdata_memory": (
        "{name} ({users} users × {items} items) needs about {needed} GiB of memory, more than "
        "the limit of {limit}: raise --memory or use a smaller file.",
        "{name}（{users} 个用户 × {items} 个物品）大约需要 {needed} GiB 内存，超过了 {limit} 的上"
        "限："
        "请调大 --memory 或换一个更小的文件。",
    ),
    "labfn_missing": ("{path} does not exist.", "{path} 不存在。"),
    "labfn_import": ("{file} fails to import: {error}", "导入 {file} 失败：`{error}`"),
    "labfn_no_function": (
        "{exercise}.py has no function {name}.",
        "{exercise}.py 里没有函数 {name}。",
    ),
    "labfn_stub": (
        "{name} in {exercise}.py is still a stub: solve it first (check {exercise}), or run the "
        "lab with the reference solutions instead of your code.",
        "{exercise}.py 中的 {name} 还是初始代码：请先完成它（检查 {exercise}），或者改用参考解运行"
        "实验室。",
    ),
    "labfn_raised": (
        "your {name} ({exercise}) raised {error}",
        "你的 {name}（{exercise}）抛出了 `{error}`",
    ),
    "lablimit_memory": (
        "The lab ran out of memory (limit {limit}); try a smaller --data file.",
        "实验室内存不足（上限 {limit}）；请换一个更小的 --data 文件。",
    ),
    "lablimit_cancelled": ("The lab run was cancelled.", "实验已取消。"),
    "lablimit_timeout": (
        "The lab run was stopped after {seconds} s (the time limit).",
        "实验在 {seconds} 秒（时间上限）后被终止。",
    ),
    "lablimit_output": (
        "The lab wrote more than {size} of output; it was stopped.",
        "实验的输出超过了 {size}；已被终止。",
    ),
    "lablimit_killed": (
        "The lab process was killed by {name}; code it ran may have crashed Python.",
        "实验进程被 {name} 杀死；它运行的代码可能让 Python 崩溃了。",
    ),
    "lablimit_internal": (
        "The lab failed with an internal error ({last}); please report it.",
        "实验因内部错误失败（{last}）；请报告这个问题。",
    ),
    "lablimit_no_result": (
        "The lab process ended without a result; does code it ran call sys.exit() or os._exit()?",
        "实验进程结束了却没有结果；它运行的代码是否调用了 sys.exit() 或 os._exit()？",
    ),
    # the app's own messages and its command palette
    "still_loading": ("Still loading your progress, one moment…", "正在载入学习进度，请稍候…"),
    "background_error": (
        "Something went wrong in the background: {error}",
        "后台任务出错：{error}",
    ),
    "language_now": (
        "Language: {name} (ctrl+l switches; remembered)",
        "语言：{name}（ctrl+l 切换；会记住这个选择）",
    ),
    "palette_key": ("key: {keys}", "按键：{keys}"),
    "palette_home": ("Home", "首页"),
    "palette_review": ("Review", "复习"),
    "palette_browse": ("Browse", "题库"),
    "palette_exercises": ("Exercises", "练习"),
    "palette_stats": ("Statistics", "统计"),
    "palette_lab": ("Lab", "实验室"),
    "palette_interview": ("Interview", "面试"),
    "cmd_review": ("Start a review session", "开始复习"),
    "cmd_review_help": (
        "Due questions first, then today's new ones",
        "先复习到期的题目，再学今天的新题",
    ),
    "cmd_browse": ("Browse questions", "浏览题库"),
    "cmd_browse_help": ("Filter and search every question", "筛选和搜索所有题目"),
    "cmd_exercises": ("Exercises workbench", "编程练习"),
    "cmd_exercises_help": ("Run checks, hints and solutions", "运行检查、查看提示和参考解"),
    "cmd_stats": ("Statistics", "学习统计"),
    "cmd_stats_help": (
        "Accuracy and retention per topic, reviews per day",
        "各主题的正确率和记忆保持率，每日复习量",
    ),
    "cmd_interview": ("Mock interview", "模拟面试"),
    "help_interview": (
        "a timed mock interview: questions with follow-ups, a coding exercise, a report",
        "限时模拟面试：带追问的问答、一道编程题，以及面试报告",
    ),
    "help_interview_minutes": ("how long the interview lasts (5–180)", "面试时长（5–180 分钟）"),
    "help_interview_focus": (
        "ask only about this topic (a topic id; a wrong one lists them all)",
        "只问这个主题（填主题 id；填错时会列出全部主题）",
    ),
    "help_interview_history": ("list your past interviews", "列出以往的模拟面试"),
    "help_interview_json": (
        "print every past interview's report as JSON",
        "以 JSON 格式输出以往每次面试的报告",
    ),
    "cmd_interview_help": (
        "A timed interview with follow-ups and a coding exercise, then a report",
        "限时模拟面试：追问加编程题，结束后给出报告",
    ),
    "cmd_lab": ("Distillation lab", "蒸馏实验室"),
    "cmd_lab_help": (
        "Teacher vs students with and without KD",
        "教师模型与有、无蒸馏的学生模型对比",
    ),
    "cmd_settings": ("Settings", "设置"),
    "cmd_settings_help": (
        "New questions per day, desired retention, memory model, language",
        "每天的新题数、目标记忆保持率、记忆模型、语言",
    ),
    "cmd_language": ("Switch language (English / 中文)", "切换语言（English / 中文）"),
    "cmd_language_help": (
        "Every label and question in the other language",
        "所有界面文字和题目换成另一种语言",
    ),
    "cmd_help": ("Help: every key", "帮助：所有快捷键"),
    "cmd_help_help": ("Every key of every screen", "每个界面的所有快捷键"),
    "cmd_anki": ("Export the questions to Anki", "把题目导出到 Anki"),
    "cmd_anki_help": (
        "An .apkg deck; a re-import updates its notes",
        "生成 .apkg 卡组；再次导入会更新笔记",
    ),
    "cmd_theme": ("Theme", "配色主题"),
    "cmd_theme_help": ("Change the colours of the app", "更换应用的配色"),
    "cmd_keys": ("Keys panel", "快捷键面板"),
    "cmd_keys_help": (
        "Show the keys of the focused widget beside the screen",
        "在屏幕旁显示当前控件的快捷键",
    ),
    "cmd_hide_keys": ("Hide the keys panel", "隐藏快捷键面板"),
    "cmd_hide_keys_help": ("Close the keys panel", "关闭快捷键面板"),
    "cmd_screenshot": ("Screenshot", "截图"),
    "cmd_screenshot_help": ("Save an SVG picture of the screen", "把当前界面保存为 SVG 图片"),
    "cmd_quit": ("Quit", "退出"),
    "cmd_quit_help": (
        "Leave kdquiz (your progress is saved as you go)",
        "退出 kdquiz（学习进度随时都已保存）",
    ),
    # errors from the layers below the front ends (kdquiz.i18n.Message)
    "err_unknown_exercise": (
        "Unknown exercise '{given}'. Valid ids: {valid}.",
        "没有名为 '{given}' 的练习。可用的 id：{valid}。",
    ),
    "err_not_workspace": (
        "{root} (from {source}) is not a kdquiz workspace: it has no {marker}. Create one with "
        "`kdquiz init {root}`.",
        "{root}（来自 {source}）不是 kdquiz 工作区：里面没有 {marker}。可以用 "
        "`kdquiz init {root}` 创建一个。",
    ),
    "err_workspace_exists": (
        "Not creating a workspace in {root}: {n} file(s) already exist ({shown}); nothing was "
        "changed.",
        "没有在 {root} 创建工作区：已经存在 {n} 个文件（{shown}）；没有做任何更改。",
    ),
    "err_workspace_create": (
        "Could not create a workspace in {root}: {why}.",
        "无法在 {root} 创建工作区：{why}。",
    ),
    "err_data_folder": (
        "Cannot create the data folder {folder}: {why}; set KDQUIZ_DATA_DIR to a writable folder.",
        "无法创建数据文件夹 {folder}：{why}；请把 KDQUIZ_DATA_DIR 设为一个可写的文件夹。",
    ),
    "err_db_create": ("Cannot create {path}: {why}.", "无法创建 {path}：{why}。"),
    "err_db_newer": (
        "{path} was written by a newer kdquiz (schema {version}, this one knows {known}); "
        "upgrade kdquiz to keep your progress.",
        "{path} 由更新版本的 kdquiz 写入（结构版本 {version}，当前版本只认识 {known}）；请升级 "
        "kdquiz 以保留你的学习进度。",
    ),
    "err_db_stuck": (
        "The progress database {path} is unreadable ({why}) and could not be moved aside "
        "({error}); move or delete it yourself.",
        "学习进度数据库 {path} 无法读取（{why}），也无法移到一旁（{error}）；请自行移走或删除它。",
    ),
    "warn_db_moved": (
        "Your progress database was unreadable ({why}); it was moved to {target} and a fresh "
        "one was started.",
        "你的学习进度数据库无法读取（{why}）；它已被移到 {target}，并新建了一个数据库。",
    ),
    "err_db_failed": (
        "The progress database {path} failed: {why}.",
        "学习进度数据库 {path} 出错：{why}。",
    ),
    # the command line
    "cli_warning": ("warning: {text}", "警告：{text}"),
    "cli_interrupted": ("interrupted.", "已中断。"),
    "cli_not_asking": (
        "{question} Not asking: input is not a terminal; pass --yes to confirm.",
        "{question} 输入不是终端，无法询问；请加 --yes 确认。",
    ),
    "cli_workspace_created": (
        "Created your workspace at {root} (edit exercises/ there; `kdquiz where` shows it again).",
        "已在 {root} 创建你的工作区（在那里编辑 exercises/；`kdquiz where` 可以再次查看位置）。",
    ),
    "cli_stubs_added": (
        "Added the new exercise stubs {ids} to {folder}.",
        "已把新练习的初始文件 {ids} 加入 {folder}。",
    ),
    "cli_all_passed": (
        "every exercise is passed in this workspace; name one: kdquiz {command} exercise_1",
        "这个工作区里的练习都已通过；请指定一个：kdquiz {command} exercise_1",
    ),
    "cli_next_unsolved": (
        "{id} · {title} (the first not passed yet)",
        "{id} · {title}（第一个尚未通过的练习）",
    ),
    "cli_check_one_or_all": (
        "name one exercise (e.g. `kdquiz check exercise_2`) or pass --all, not both.",
        "请指定一个练习（例如 `kdquiz check exercise_2`）或使用 --all，不要同时使用。",
    ),
    "cli_bad_memory": (
        "--memory takes a size like {example} or 512M, got {given!r}.",
        "--memory 需要 {example} 或 512M 这样的大小，收到的是 {given!r}。",
    ),
    "cli_bad_timeout": (
        "--timeout must be a positive number of seconds.",
        "--timeout 必须是正的秒数。",
    ),
    "cli_checking": ("Running the hidden checks for {id}…", "正在对 {id} 运行隐藏检查…"),
    "cli_checking_all": ("Running the hidden checks…", "正在运行隐藏检查…"),
    "cli_exercises_passed": ("{passed}/{total} exercises passed", "通过 {passed}/{total} 个练习"),
    "cli_well_done": (
        "Well done! Compare with the reference: kdquiz solution {id}",
        "做得好！和参考解对照一下：kdquiz solution {id}",
    ),
    "cli_list_exercises": ("Exercises in {root}", "{root} 中的练习"),
    "cli_last_check": ("(last check {passed}/{total})", "（上次检查 {passed}/{total}）"),
    "cli_passed_count": ("{passed}/{total} passed", "已通过 {passed}/{total}"),
    "cli_list_questions": ("Questions: {n} in {topics} topics", "题目：{n} 道，{topics} 个主题"),
    "cli_bank_problems": (
        "{n} problem(s) in the question banks; see `kdquiz validate`.",
        "题库中有 {n} 个问题；请运行 `kdquiz validate` 查看。",
    ),
    "cli_no_hints_left": (
        "No hints left for {id}: you have seen all {total}. Still stuck? `kdquiz solution {id}` "
        "shows the reference.",
        "{id} 没有更多提示了：{total} 条提示都已看过。还是卡住了？`kdquiz solution {id}` 会显示"
        "参考解。",
    ),
    "cli_hint_head": (
        "Hint {tier}/{total} for {id} · {title}",
        "{id} · {title}：提示 {tier}/{total}",
    ),
    "cli_reveal_confirm": (
        "You have not passed {id} yet. Reveal the reference solution anyway?",
        "你还没有通过 {id}。仍然要查看参考解吗？",
    ),
    "cli_not_revealed": (
        "Not revealed. Keep going: `kdquiz hint {id}` gives the next hint.",
        "没有显示参考解。继续加油：`kdquiz hint {id}` 会给出下一条提示。",
    ),
    "cli_diff_yours": ("your exercises/{id}.py", "你的 exercises/{id}.py"),
    "cli_diff_reference": ("reference solutions/{id}.py", "参考解 solutions/{id}.py"),
    "cli_reset_one_or_all": (
        "name one exercise (e.g. `kdquiz reset exercise_2`) or pass --all.",
        "请指定一个练习（例如 `kdquiz reset exercise_2`）或使用 --all。",
    ),
    "cli_every_exercise": ("every exercise", "所有练习"),
    "cli_reset_confirm": (
        "Restore the stub of {which} in {folder}? Your file is backed up first.",
        "要把 {folder} 中 {which} 恢复为初始文件吗？会先备份你的文件。",
    ),
    "cli_nothing_reset": ("Nothing was reset.", "没有重置任何文件。"),
    "cli_reset_saved": (
        "Reset {id} (your version is saved as {backup}).",
        "已重置 {id}（你的版本保存为 {backup}）。",
    ),
    "cli_reset_done": ("Reset {id}.", "已重置 {id}。"),
    "cli_init_done": (
        "Created a workspace with {n} exercises in {root}.",
        "已在 {root} 创建含 {n} 个练习的工作区。",
    ),
    "cli_init_next": (
        "Next: cd {root} && kdquiz watch  (checks exercise_1 now and on every save)",
        "下一步：cd {root} && kdquiz watch（立即检查 exercise_1，之后每次保存都会重新检查）",
    ),
    "where_workspace": ("workspace", "工作区"),
    "where_exercises": ("your exercises", "你的练习"),
    "where_data": ("data folder", "数据文件夹"),
    "where_progress": ("progress", "学习进度"),
    "where_builtin_bank": ("built-in questions", "内置题库"),
    "where_own_banks": ("your question banks", "你的题库"),
    "where_none": (
        "none (add one with --questions DIR or KDQUIZ_QUESTIONS)",
        "无（可用 --questions DIR 或 KDQUIZ_QUESTIONS 添加）",
    ),
    "where_source_flag": ("from --workspace", "来自 --workspace"),
    "where_source_env": ("from KDQUIZ_WORKSPACE", "来自 KDQUIZ_WORKSPACE"),
    "where_source_cwd": ("the current folder is in it", "当前文件夹位于其中"),
    "where_source_default": ("the default one, in the data folder", "默认工作区，位于数据文件夹中"),
    "cli_not_a_folder": ("{path} is not a folder.", "{path} 不是文件夹。"),
    "cli_cannot_write": ("cannot write {path}: {why}.", "无法写入 {path}：{why}。"),
    "cli_skipped": ("skipped: {problem}", "已跳过：{problem}"),
    "export_not_apkg_cli": (
        "an Anki deck file ends in .apkg, got {given!r}.",
        "Anki 卡组文件应以 .apkg 结尾，收到的是 {given!r}。",
    ),
    "export_done_cli": (
        "Wrote {n} notes to {path}. Import it in Anki (File → Import); importing a newer export "
        "updates these notes instead of adding copies.",
        "已把 {n} 条笔记写入 {path}。在 Anki 中导入即可（文件 → 导入）；以后导入更新的导出文件"
        "会更新这些笔记，而不会添加副本。",
    ),
    "validate_count": (
        "{n} valid question(s) in {files} file(s)",
        "{files} 个文件中有 {n} 道有效题目",
    ),
    "validate_problems": ("{n} problem(s) found; {count}.", "发现 {n} 个问题；{count}。"),
    "validate_no_files": ("No question files found in {paths}.", "在 {paths} 中没有找到题库文件。"),
    "validate_ok": ("OK: {count}.", "没有问题：{count}。"),
    "validate_cjk_space": (
        "{where}: {id}: a space between Chinese characters or after Chinese punctuation: "
        "{excerpts}",
        "{where}: {id}：中文字符之间或中文标点之后有多余的空格：{excerpts}",
    ),
    "validate_give_away": (
        "the options give answers away ({language}): {problem}",
        "选项泄露了答案（{language}）：{problem}",
    ),
    "fair_longest": (
        "in {share} of the single-choice questions the longest option is the right one ({low} "
        "to {high}, as by chance)",
        "{share} 的单选题里最长的选项就是正确答案（应在 {low} 到 {high} 之间，接近随机）",
    ),
    "fair_single_ratio": (
        "right options of single-choice questions are {ratio}× as long as wrong ones ({low} to "
        "{high})",
        "单选题正确选项的长度是错误选项的 {ratio} 倍（应在 {low} 到 {high} 之间）",
    ),
    "fair_position": (
        "{share} of the single-choice answers are option {position} in the file (at most {most})",
        "{share} 的单选题答案是文件中的第 {position} 个选项（至多 {most}）",
    ),
    "fair_multi_ratio": (
        "right options of multi-select questions are {ratio}× as long as wrong ones ({low} to "
        "{high})",
        "多选题正确选项的长度是错误选项的 {ratio} 倍（应在 {low} 到 {high} 之间）",
    ),
    "fair_right_count": (
        "{share} of the multi-select questions have exactly {n} right options (at most {most})",
        "{share} 的多选题恰好有 {n} 个正确选项（至多 {most}）",
    ),
    # kdquiz watch
    "watch_checking": ("Checking {file} …", "正在检查 {file} …"),
    "watch_watching": (
        "Watching {file}: save it to check again.",
        "正在监视 {file}：保存后会重新检查。",
    ),
    "watch_piped": ("Watching {file}; ctrl+c stops.", "正在监视 {file}；按 ctrl+c 停止。"),
    "watch_keys": ("h hint · n next exercise · q quit", "h 提示 · n 下一个练习 · q 退出"),
    "watch_passed": ("✓ {id} passed!", "✓ {id} 通过了！"),
    "watch_all_solved": ("Every exercise is solved.", "所有练习都已完成。"),
    "watch_others_solved": ("Every other exercise is solved already.", "其他练习都已完成。"),
    "watch_press_n": (
        "Press n for the next unsolved one, {id} · {title}.",
        "按 n 进入下一个未完成的练习：{id} · {title}。",
    ),
    "watch_next_command": (
        "Next unsolved: kdquiz watch {id} ({title}).",
        "下一个未完成的练习：kdquiz watch {id}（{title}）。",
    ),
    "watch_compare": ("Compare: kdquiz solution {id}", "对照参考解：kdquiz solution {id}"),
    "watch_hint": ("Hint {tier}/{total}: {text}", "提示 {tier}/{total}：{text}"),
    # notes the app shows when it starts
    "note_bank_problems": (
        "{n} problem(s) in your question banks were skipped; run `kdquiz validate` to see them.",
        "你的题库中有 {n} 个问题被跳过；运行 `kdquiz validate` 查看。",
    ),
    "note_workspace_created": (
        "Created your workspace (Home shows it):\n{root}",
        "已创建你的工作区（主页上可以看到）：\n{root}",
    ),
    "note_exercises_added": ("New exercises added: {ids}.", "新增练习：{ids}。"),
    "report_pass": ("pass", "通过"),
    "report_fail": ("fail", "未通过"),
    "report_error": ("error", "出错"),
    "report_table_header": ("exercise|title|result|checks", "练习|标题|结果|检查"),
    "report_table_passed": ("{passed}/{total} exercises passed", "通过 {passed}/{total} 个练习"),
    # check results (the CLI's report and the app's Check tab)
    "report_and_more": (" and {n} more", " 等另外 {n} 项"),
    "report_same_problem": ("(the same problem as above)", "（与上面的问题相同）"),
    "report_named_under": (
        "(the likely mistake named under “{name}”)",
        "（可能的错误见“{name}”下的说明）",
    ),
    "report_same_mistake": (
        "The same mistake explains: {others}.",
        "同一个错误也导致了：{others}。",
    ),
    "report_printed": ("your code printed:", "你的代码打印了："),
    "report_summary": (
        "{exercise}: {passed}/{total} checks passed",
        "{exercise}：通过 {passed}/{total} 项检查",
    ),
    "report_summary_incomplete": (
        "{exercise}: {passed}/{total} checks passed (the check did not complete)",
        "{exercise}：通过 {passed}/{total} 项检查（检查没有完成）",
    ),
    # fitting FSRS to the learner's reviews
    "fsrs_model": ("Memory model (FSRS)", "记忆模型（FSRS）"),
    "fsrs_fit_button": ("Fit to my reviews…", "按我的复习记录拟合…"),
    "fsrs_default": (
        "Scheduling with FSRS's default parameters (fitted on many Anki users).",
        "正在使用 FSRS 的默认参数排程（由大量 Anki 用户的数据拟合）。",
    ),
    "fsrs_fitted": (
        "Scheduling with parameters fitted to your reviews on {day} ({n} reviews).",
        "正在使用 {day} 按你的复习记录拟合的参数排程（{n} 次复习）。",
    ),
    "fsrs_need_more": (
        "Reviews to fit on: {n} of the {need} needed ({more} more). Only reviews a day or more "
        "after the card's previous one count.",
        "可用于拟合的复习：{n} 次，需要 {need} 次（还差 {more} 次）。只有距同一张卡片上次复习"
        "至少一天的复习才计入。",
    ),
    "fsrs_enough": (
        "Reviews to fit on: {n}, enough to fit your own parameters.",
        "可用于拟合的复习：{n} 次，足以拟合你自己的参数。",
    ),
    "fsrs_retention": (
        "Desired retention: {retention} (change it in the app's settings).",
        "目标记忆保持率：{retention}（可在应用的设置中修改）。",
    ),
    "fsrs_scores": (
        "On your reviews, the parameters in use score log-loss {loss}, RMSE {rmse}.",
        "在你的复习记录上，当前参数的 log-loss 为 {loss}，RMSE 为 {rmse}。",
    ),
    "fsrs_already_default": (
        "Already using FSRS's default parameters.",
        "已经在使用 FSRS 的默认参数。",
    ),
    "fsrs_use_confirm": ("Use the fitted parameters from now on?", "从现在起使用拟合出的参数吗？"),
    "fsrs_kept": ("Kept the parameters in use.", "保留了当前参数。"),
    "fsrs_reschedule_confirm": (
        "Reschedule your {n} cards with them now (as if they had always been used)?",
        "现在用它们重新排程你的 {n} 张卡片吗（就像一直在用这组参数一样）？",
    ),
    "fsrs_kept_dates": (
        "Existing cards keep their due dates until their next review.",
        "已有卡片保留原来的到期日，下次复习后再按新参数排程。",
    ),
    "fit_crashed_above": (
        "the optimizer stopped with an error (above); nothing was changed.",
        "优化器出错停止（见上方）；没有做任何更改。",
    ),
    "fit_title": ("Fit FSRS to your reviews", "按你的复习记录拟合 FSRS"),
    "fit_starting": ("Starting the optimizer…", "正在启动优化器…"),
    "fit_until_then": (
        "Until then kdquiz schedules with the default parameters.",
        "在此之前，kdquiz 使用默认参数排程。",
    ),
    "fit_pass": ("Fitting: pass {done} of {total}", "正在拟合：第 {done}/{total} 轮"),
    "fit_done": ("Fitted in {seconds} s.", "拟合用时 {seconds} 秒。"),
    "fit_better": (
        "The fitted parameters predict your reviews better.",
        "拟合出的参数对你的复习预测得更准。",
    ),
    "fit_not_better": (
        "The fitted parameters do not predict your reviews better; keep the ones in use.",
        "拟合出的参数并没有预测得更准；请继续使用当前参数。",
    ),
    "fit_scores": (
        "On your {n} reviews (the same ones the fit learned from), lower is better:",
        "在你的 {n} 次复习上（即拟合所用的数据），数值越低越好：",
    ),
    "fit_in_use": ("in use", "当前"),
    "fit_fitted": ("fitted", "拟合"),
    "fit_parameters": ("Fitted parameters:", "拟合出的参数："),
    "fit_use": ("Use", "使用"),
    "fit_use_reschedule": ("Use and reschedule", "使用并重新排程"),
    "fit_defaults": ("Back to defaults", "恢复默认"),
    "fit_timeout": (
        "The fit did not finish in time; nothing was changed.",
        "拟合未能按时完成；没有做任何更改。",
    ),
    "fit_memory": (
        "The fit ran out of memory; nothing was changed.",
        "拟合时内存不足；没有做任何更改。",
    ),
    "fit_crashed": (
        "The optimizer stopped with an error; nothing changed (`kdquiz fsrs optimize` shows it).",
        "优化器出错停止；没有做任何更改（`kdquiz fsrs optimize` 会显示错误）。",
    ),
    "fit_now_fitted": (
        "Now scheduling with your fitted parameters.",
        "现在使用你拟合出的参数排程。",
    ),
    "fit_now_defaults": ("Back to FSRS's default parameters.", "已恢复 FSRS 的默认参数。"),
    "fit_rescheduled": ("Rescheduled {n} cards.", "已重新排程 {n} 张卡片。"),
    "cancel": ("Cancel", "取消"),
    # the mock interview
    "iv_mode": ("Mock interview", "模拟面试"),
    "iv_all_topics": ("all topics, weakest first", "全部主题，薄弱的优先"),
    "iv_plan_title": ("A {minutes}-minute interview", "{minutes} 分钟面试"),
    "iv_focus": ("Focus", "范围"),
    "iv_col_topic": ("Topic", "主题"),
    "iv_col_type": ("Type", "题型"),
    "iv_col_time": ("Time", "时间"),
    "iv_follow_up": ("follow-up", "追问"),
    "iv_code": ("Coding", "编程"),
    "iv_code_label": ("code", "编程"),
    "iv_plan_counts": (
        "Questions: {openers}, follow-ups: {follow_ups} (asked only once the question before "
        "is answered), then the coding exercise.",
        "共 {openers} 道题、{follow_ups} 个追问（前一题答完才会追问），最后是编程题。",
    ),
    "iv_no_workspace": (
        "No workspace, so no coding exercise: run `kdquiz init DIR` to add one.",
        "没有工作区，所以没有编程题：运行 `kdquiz init DIR` 创建一个。",
    ),
    "iv_code_already_passed": (
        "Your file already passes this exercise; reset it in the workbench to code it again.",
        "你的文件已经通过了这道编程题；想重写的话，先在练习界面里重置它。",
    ),
    "iv_plan_help": (
        "Enter starts the clock · n another plan · +/− length · t topic · escape back",
        "回车开始计时 · n 换一套题 · +/− 调整时长 · t 选主题 · Esc 返回",
    ),
    "iv_question_n": ("Question {n}/{total}", "第 {n}/{total} 题"),
    "iv_left": ("{time} left", "剩余 {time}"),
    "iv_after": ("Following up on", "接着上一题"),
    "iv_whiteboard": (
        "Whiteboard: write your answer as you would say it…",
        "白板：像面试时口头回答那样写下你的答案…",
    ),
    "iv_open_help": (
        "Write on the whiteboard, then ctrl+r shows the key points to grade it by.",
        "在白板上写下答案，然后按 ctrl+r 查看要点并自评。",
    ),
    "iv_skip_help": ("s skips.", "按 s 跳过。"),
    "iv_press_next": ("Press enter to go on.", "按回车继续。"),
    "iv_code_how": (
        "Edit {path} in your editor (o opens $EDITOR), then press enter: the hidden checks run.",
        "在编辑器里修改 {path}（按 o 打开 $EDITOR），完成后按回车运行隐藏测试。",
    ),
    "iv_coding_help": (
        "Enter submits your code · o $EDITOR · w workbench · s skip it · escape ends",
        "回车提交代码 · o 编辑器 · w 练习界面 · s 跳过 · Esc 结束面试",
    ),
    "iv_minutes_left": ("{n} min left for the code.", "编程题还剩 {n} 分钟。"),
    "iv_workbench_note": (
        "The interview's clock keeps running ({time} left): escape comes back to submit.",
        "面试仍在计时（剩余 {time}）：按 Esc 回到面试提交代码。",
    ),
    "iv_checking": ("Running the hidden checks on your code…", "正在用隐藏测试检查你的代码…"),
    "iv_time_up_questions": (
        "The interview's time is up: the question on screen stays unanswered.",
        "面试时间到：当前这道题不计作答。",
    ),
    "iv_time_up": ("Time is up: your code is being checked.", "时间到：正在检查你的代码。"),
    "iv_submit_confirm": (
        "Submit your code now? The hidden checks run and the interview ends.",
        "现在提交代码吗？提交后会运行隐藏测试，面试随即结束。",
    ),
    "iv_skip_code_confirm": (
        "Skip the coding exercise? It scores 0 and the interview ends.",
        "跳过编程题吗？这部分记 0 分，面试随即结束。",
    ),
    "iv_end_confirm": (
        "End the interview now? Your answers so far are kept and the report shows them.",
        "现在结束面试吗？已作答的内容会保留，并在报告里显示。",
    ),
    "iv_saving": ("Saving the interview…", "正在保存本次面试…"),
    "iv_report_title": ("Interview report", "面试报告"),
    "iv_ended_early": ("(ended early)", "（提前结束）"),
    "iv_unfinished": ("(not finished: the app was closed)", "（未完成：中途关闭了程序）"),
    "iv_score": ("Score", "得分"),
    "iv_questions_score": ("questions ({n} asked)", "问答（{n} 题）"),
    "iv_code_checks": (
        "code: {passed}/{total} checks, {status}",
        "编程：{passed}/{total} 项测试，{status}",
    ),
    "iv_status_pass": ("passed", "通过"),
    "iv_status_fail": ("failed", "未通过"),
    "iv_status_error": ("did not run to the end", "没有完整运行"),
    "iv_code_skipped": ("skipped", "已跳过"),
    "iv_code_not_reached": ("not reached", "没做到"),
    "iv_time_used": ("Time: {used} of {planned}", "用时：{used}（计划 {planned}）"),
    "iv_follow_ups_reached": ("follow-ups reached: {n} of {total}", "追问完成 {n}/{total}"),
    "iv_first_interview": (
        "Your first interview: the next ones will show your trend.",
        "这是你的第一次模拟面试，之后的面试会显示你的进步趋势。",
    ),
    "iv_trend": ("Recent interviews ({n})", "最近的面试（{n} 次）"),
    "iv_change": ("({n} points)", "（{n} 分）"),
    "iv_last_score": ("the last one {score}", "上一次 {score}"),
    "iv_by_topic": ("By topic", "各主题得分"),
    "iv_by_question": ("Question by question (time / planned)", "逐题情况（用时 / 计划）"),
    "iv_points": ("{n}/{total} points", "要点 {n}/{total}"),
    "iv_outcome_right": ("right", "正确"),
    "iv_outcome_wrong": ("wrong", "错误"),
    "iv_outcome_skipped": ("skipped", "跳过"),
    "iv_outcome_not_reached": ("not reached", "未答到"),
    "iv_practise_next": ("Practise next", "接下来练什么"),
    "iv_weak_topics": ("Weakest topics", "最薄弱的主题"),
    "iv_list_sep": (", ", "、"),
    "iv_review_missed": (
        "Press r to practise what you missed now ({n}); it also comes back in review.",
        "按 r 立即练习答错的题（{n} 道），它们也会在复习中再次出现。",
    ),
    "iv_practise_exercise": (
        "Press x to practise the exercise: {title}",
        "按 x 练习编程题：{title}",
    ),
    "iv_nothing_to_practise": (
        "Nothing missed: try a longer interview or another topic.",
        "没有失分：试试更长的面试，或换个主题。",
    ),
    "iv_help_review": ("r review the missed", "r 练习答错的题"),
    "iv_help_exercise": ("x the exercise", "x 做编程题"),
    "iv_help_again": ("n a new interview", "n 再来一次"),
    "iv_help_home": ("escape home", "Esc 回首页"),
    "iv_no_history": (
        "No mock interviews yet: `kdquiz interview` starts one.",
        "还没有模拟面试记录：运行 `kdquiz interview` 开始一次。",
    ),
    "iv_h_date": ("date", "日期"),
    "iv_h_minutes": ("min", "分钟"),
    "iv_h_asked": ("asked", "题数"),
    "iv_h_follow_ups": ("follow-ups", "追问"),
    "iv_h_code": ("code", "编程"),
    "iv_h_score": ("score", "得分"),
    "iv_h_focus": ("focus", "范围"),
    "iv_history_all": ("all topics", "全部主题"),
    "iv_bad_minutes": (
        "An interview lasts {low} to {high} minutes, not {got}.",
        "面试时长须在 {low} 到 {high} 分钟之间，不能是 {got}。",
    ),
    "iv_bad_focus": (
        "There is no topic {got}; the topics are: {topics}.",
        "没有 {got} 这个主题；可选的主题有：{topics}。",
    ),
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
    "nothing_due_now": (
        "Nothing is due right now.",
        "现在没有到期的题目。",
    ),
    "next_card_in": (
        "The next card is due {when}: press w to wait for it, or escape to end.",
        "下一张卡片{when}到期：按 w 等它，或按 Esc 结束。",
    ),
    "waiting": ("Waiting: the next card is due {when}.", "等待中：下一张卡片{when}到期。"),
    "export_title": ("Export to Anki", "导出到 Anki"),
    "export_file": ("Deck file (.apkg)", "卡组文件（.apkg）"),
    "export_lang": ("Language of the cards", "卡片语言"),
    "export": ("Export", "导出"),
    "export_not_apkg": ("An Anki deck file ends in .apkg.", "Anki 卡组文件的扩展名是 .apkg。"),
    "export_done": (
        "Wrote {n} notes to {path}. Import it in Anki; a newer export updates these notes.",
        "已将 {n} 条笔记写入 {path}。在 Anki 中导入即可；以后再导出会更新这些笔记。",
    ),
    "export_failed": ("Cannot write {path}: {why}.", "无法写入 {path}：{why}。"),
    "tick_key_points": (
        "Tick the key points your answer covered ({keys}): {covered} of {total} → suggested "
        "grade {grade}. Enter accepts it, or press 1–4.",
        "勾选你的回答覆盖了哪些要点（{keys}）：{covered}/{total} → 建议评分“{grade}”。"
        "按回车接受，或按 1–4 自己打分。",
    ),
    "stats_key_points": ("of key points covered", "要点覆盖"),
    "count_new": ("new", "新"),
    "count_learning": ("learning", "学习中"),
    "count_due": ("due", "待复习"),
    "nothing_to_undo": ("Nothing to undo.", "没有可以撤销的回答。"),
    "undone": (
        "Answer undone: the question's schedule is as before; answer it again.",
        "已撤销该回答：这道题的复习计划已恢复原样，请重新作答。",
    ),
    "choose_help": (
        "Press 1–{n} to choose an option, or move to one with ↑/↓ first.",
        "按 1–{n} 选择选项，或先用 ↑/↓ 移到某个选项上。",
    ),
    "multi_help": (
        "Press 1–{n} (or space on the highlighted option) to toggle, enter to submit.",
        "按 1–{n}（或在高亮选项上按空格）勾选，按回车提交。",
    ),
    "open_help": (
        "Press a to write your answer in the box above (optional; tab or escape leaves it), "
        "then enter or ctrl+r to reveal the model answer.",
        "按 a 在上方输入框写下你的答案（可选，按 Tab 或 Esc 离开输入框），"
        "然后按回车或 ctrl+r 查看参考答案。",
    ),
    "your_answer": ("Your answer (optional)…", "你的答案（可选）…"),
    "correct": ("Correct", "回答正确"),
    "wrong": ("Not quite", "回答有误"),
    "right_answer": ("The right answer", "正确答案"),
    "model_answer": ("Model answer", "参考答案"),
    "your_answer_was": ("Your answer", "你的答案"),
    "key_points": ("Key points", "要点"),
    "explanation": ("Explanation", "解析"),
    "references": ("References", "参考文献"),
    "grade_yourself": (
        "How well did you know it?  1 Again · 2 Hard · 3 Good · 4 Easy",
        "你掌握得如何？1 忘记 · 2 困难 · 3 良好 · 4 简单",
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
    "preview_mode": ("preview: not recorded", "预览：不记录"),
    "preview_not_recorded": (
        "Not recorded: a preview leaves the question's schedule unchanged.",
        "未记录：预览不会改变这道题的复习计划。",
    ),
    "review_mode": ("review", "复习"),
    # statuses
    "new": ("new", "新题"),
    "learning": ("learning", "学习中"),
    "due": ("due", "待复习"),
    "mastered": ("mastered", "已掌握"),
    # browse (labels of the browse screen go here)
    "browse_search": ("Search prompts and ids…  ( / )", "搜索题目与编号…（/）"),
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
        "回车：练习 · /：搜索 · t y d s：切换筛选 · c：清除",
    ),
    "browse_no_match": (
        "No question matches. Press c to clear the search and the filters.",
        "没有符合条件的题目。按 c 清除搜索和筛选。",
    ),
    # exercises (labels of the exercises workbench go here)
    "status_untried": ("untried", "未尝试"),
    "status_failing": ("failing", "未通过"),
    "status_changed": ("changed since it passed: re-check", "通过后又改过，请重新检查"),
    "status_passed": ("passed", "已通过"),
    "ex_title": ("Exercises", "编程练习"),
    "ex_workspace": ("Workspace", "工作区"),
    "ex_no_workspace_short": ("no workspace", "没有工作区"),
    "ex_no_workspace": (
        "No workspace was found, so there is no file to check, edit, watch or reset here; "
        "create one with `kdquiz init DIR` and start kdquiz again.",
        "没有找到工作区，因此无法检查、编辑、监视或重置文件；请用 `kdquiz init DIR` 创建一个，"
        "然后重新启动 kdquiz。",
    ),
    "ex_tab_task": ("Task", "任务"),
    "ex_tab_check": ("Check", "检查"),
    "ex_tab_hints": ("Hints", "提示"),
    "ex_minutes": ("~{n} min", "约 {n} 分钟"),
    "ex_hints_count": ("hints {n}/{total}", "提示 {n}/{total}"),
    "ex_not_checked": (
        "Not checked yet. Press c to run the hidden checks on {path}.",
        "还没有检查过。按 c 对 {path} 运行隐藏检查。",
    ),
    "ex_running": (
        "Running the hidden checks on {ex}… {s} s — x to cancel",
        "正在对 {ex} 运行隐藏检查…{s} 秒——按 x 取消",
    ),
    "ex_cancelling": ("Cancelling the check of {ex}…", "正在取消 {ex} 的检查…"),
    "ex_cancelled": (
        "The check was cancelled; nothing was recorded.",
        "检查已取消，本次不计入记录。",
    ),
    "ex_checks_passed": ("{passed}/{total} checks passed", "通过 {passed}/{total} 项检查"),
    "ex_ago_now": ("just now", "刚刚"),
    "ex_ago_min": ("{n} min ago", "{n} 分钟前"),
    "ex_ago_h": ("{n} h ago", "{n} 小时前"),
    "ex_ago_days": ("{n} days ago", "{n} 天前"),
    "ex_ago_day": ("1 day ago", "1 天前"),
    "ex_no_details": (
        "The result per check of that run was not kept; press c to check again and see it.",
        "那次检查没有保存每项检查的结果；按 c 重新检查即可看到。",
    ),
    "ex_incomplete": ("the check did not complete", "检查未能完成"),
    "ex_after_pass": (
        "Well done. Press s to compare your file with the reference solution.",
        "做得好！按 s 将你的文件与参考答案对照。",
    ),
    "ex_watching": (
        "Watching {path}: each save runs the check.",
        "正在监视 {path}：每次保存都会运行检查。",
    ),
    "ex_watch_on": (
        "Watch mode on: saving {path} runs the check.",
        "监视模式已开启：保存 {path} 即运行检查。",
    ),
    "ex_watch_off": ("Watch mode off.", "监视模式已关闭。"),
    "ex_hint_n": ("Hint {n}/{total}", "提示 {n}/{total}"),
    "ex_no_hints_yet": (
        "No hints taken yet. Press h for the first of {total}.",
        "还没有看过提示。按 h 查看第一条（共 {total} 条）。",
    ),
    "ex_hints_left": (
        "Press h for the next hint ({left} left).",
        "按 h 查看下一条提示（还剩 {left} 条）。",
    ),
    "ex_no_hints_left": (
        "No hints left: you have seen all {total}. "
        "Still stuck? Press s for the reference solution.",
        "没有更多提示了：{total} 条都已看过。还是卡住了？按 s 查看参考答案。",
    ),
    "ex_reveal_confirm": (
        "You have not passed {ex} yet. Reveal the reference anyway?",
        "你还没有通过 {ex}。仍然要查看参考答案吗？",
    ),
    "ex_reset_confirm": (
        "Restore the stub of {ex}? Your {path} is backed up first.",
        "恢复 {ex} 的初始代码？你的 {path} 会先被备份。",
    ),
    "ex_reset_done": (
        "Restored the stub of {ex}; your version is saved as {backup}.",
        "已恢复 {ex} 的初始代码；你的版本已保存为 {backup}。",
    ),
    "ex_reset_done_plain": ("Restored the stub of {ex}.", "已恢复 {ex} 的初始代码。"),
    "ex_reset_failed": (
        "Could not restore the stub of {ex}: {error}.",
        "无法恢复 {ex} 的初始代码：{error}。",
    ),
    "ex_run_now": ("Run the check now?", "现在运行检查吗？"),
    "ex_yes": ("Yes", "是"),
    "ex_no": ("No", "否"),
    "ex_no_editor": (
        "No editor found: set $EDITOR (for example `export EDITOR=nano`) to edit from here.",
        "没有找到编辑器：请设置 $EDITOR（例如 `export EDITOR=nano`）后再从这里编辑。",
    ),
    "ex_bad_editor": (
        "Cannot read the editor command {editor!r}: {error}.",
        "无法解析编辑器命令 {editor!r}：{error}。",
    ),
    "ex_editor_failed": (
        "Could not start the editor {editor}: {error}.",
        "无法启动编辑器 {editor}：{error}。",
    ),
    "ex_editor_status": ("The editor exited with status {code}.", "编辑器退出，状态码 {code}。"),
    "ex_no_suspend": (
        "This terminal cannot hand over to an editor; open {path} in your editor yourself.",
        "当前终端无法切换到编辑器；请自行用编辑器打开 {path}。",
    ),
    "ex_missing_file": (
        "{path} does not exist; press r to restore the stub.",
        "{path} 不存在；按 r 恢复初始代码。",
    ),
    "ex_your_file": ("Your file", "你的文件"),
    "ex_reference": ("Reference solution", "参考答案"),
    "ex_no_file": ("(there is no file yet)", "（还没有这个文件）"),
    "ex_result_pass": ("{ex}: all {total} checks passed.", "{ex}：全部 {total} 项检查通过。"),
    "ex_result_fail": (
        "{ex}: {passed}/{total} checks passed.",
        "{ex}：通过 {passed}/{total} 项检查。",
    ),
    "ex_result_error": ("{ex}: the check did not complete.", "{ex}：检查未能完成。"),
    "ex_result_cancelled": ("{ex}: check cancelled.", "{ex}：检查已取消。"),
    "ex_unknown": ("There is no exercise {ex}.", "没有名为 {ex} 的练习。"),
    "ex_cmd_check": ("Check {ex}", "检查 {ex}"),
    "ex_cmd_check_help": ("Run the hidden checks on your file", "对你的文件运行隐藏检查"),
    "ex_cmd_cancel": ("Cancel the running check", "取消正在运行的检查"),
    "ex_cmd_cancel_help": (
        "Stop the check subprocess; nothing is recorded",
        "停止检查子进程，不计入记录",
    ),
    "ex_cmd_hint": ("Next hint for {ex}", "{ex} 的下一条提示"),
    "ex_cmd_hint_help": (
        "Tiered: a nudge, the tools, then nearly the code",
        "分级：点拨、工具，最后几乎是代码",
    ),
    "ex_cmd_edit": ("Edit {ex} in $EDITOR", "用 $EDITOR 编辑 {ex}"),
    "ex_cmd_edit_help": (
        "Open your file, then offer to check it",
        "打开你的文件，之后可以直接检查",
    ),
    "ex_cmd_watch": ("Toggle watch mode", "开关监视模式"),
    "ex_cmd_watch_help": ("Re-check automatically whenever you save", "每次保存后自动重新检查"),
    "ex_cmd_solution": ("Reference solution of {ex}", "{ex} 的参考答案"),
    "ex_cmd_solution_help": ("Side by side with your file", "与你的文件并排显示"),
    "ex_cmd_reset": ("Reset {ex} to its stub", "将 {ex} 重置为初始代码"),
    "ex_cmd_reset_help": ("Your file is backed up first", "会先备份你的文件"),
    # stats (labels of the statistics screen go here)
    "stats_answers": ("answers", "次作答"),
    "stats_answer": ("answer", "次作答"),
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
    "stats_days_summary_one": (
        "{total} answers in 4 weeks · {right} right · 1 active day",
        "4 周共作答 {total} 次 · 正确 {right} 次 · 学习了 1 天",
    ),
    "stats_legend_right": ("right", "正确"),
    "stats_legend_wrong": ("wrong", "错误"),
    "stats_no_answers": (
        "No answers yet. Press r to start your first review session (or r on the home screen); "
        "your accuracy, retention and daily chart will appear here.",
        "还没有作答记录。按 r 开始第一轮复习（或在首页按 r），"
        "正确率、记忆保持率和每日图表会显示在这里。",
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
    # lab
    "lab": ("Distillation lab", "蒸馏实验室"),
    "lab_title": ("The distillation lab", "蒸馏实验室"),
    "lab_intro": (
        "Trains a big teacher (EASE), then the same small student from scratch and with ranking, "
        "listwise and soft-target distillation, and compares them on held-out data.",
        "先训练一个大的教师模型（EASE），再把同一个小型学生模型分别从零训练、用排序蒸馏、列表蒸馏"
        "和软目标蒸馏训练，"
        "最后在留出数据上比较它们。",
    ),
    "lab_data": ("Data", "数据"),
    "lab_code": ("Losses and metrics", "损失与指标"),
    "lab_seeds": ("Seeds", "随机种子数"),
    "lab_synthetic": ("synthetic", "合成数据"),
    "lab_reference": ("reference solutions", "参考解答"),
    "lab_your_code": ("your workspace", "你的工作区代码"),
    "lab_no_movielens": (
        "MovieLens-100K is not on this machine, so the lab uses synthetic data; run "
        "`kdquiz data fetch movielens-100k` to get the real data.",
        "本机还没有 MovieLens-100K，实验室将使用合成数据；运行 `kdquiz data fetch movielens-100k` "
        "即可获取真实数据。",
    ),
    "lab_movielens_terms": (
        "MovieLens (GroupLens, University of Minnesota) may be used for research only and may not "
        "be redistributed; cite Harper and Konstan (2015) when you publish results on it.",
        "MovieLens（明尼苏达大学 GroupLens）仅限研究使用，不得再分发；发表基于它的结果时请引用 "
        "Harper 和 Konstan（2015）。",
    ),
    "lab_press_run": (
        "g: run   p: preset   d: data   w: your code   n: seeds",
        "g：运行   p：预设   d：数据   w：我的代码   n：种子数",
    ),
    "lab_preset": ("Preset", "预设"),
    "lab_preset_quick": ("quick", "快速"),
    "lab_preset_full": ("full", "完整"),
    "lab_preset_value": ("{name} ({means})", "{name}（{means}）"),
    "lab_preset_quick_means": (
        "at most {epochs} epochs a student, a first look",
        "每个学生模型最多训练 {epochs} 轮，先看个大概",
    ),
    "lab_preset_full_means": ("the measured recipe", "实测调好的完整方案"),
    "lab_col_seed": ("seed {n}", "种子 {n}"),
    "lab_per_seed_title": ("Test NDCG@10 per seed", "各种子的测试集 NDCG@10"),
    "help_lab_per_seed": (
        "also print each model's test NDCG@10 on each seed",
        "同时输出每个模型在各个种子上的测试集 NDCG@10",
    ),
    "lab_estimate_note": ("This run takes {about}.", "预计用时{about}。"),
    "lab_over_timeout": (
        "This run takes {about}, more than --timeout {timeout} s allows: pass --timeout "
        "{enough}, or --quick for a first look.",
        "预计用时{about}，超过了 --timeout {timeout} 秒的限制：请加上 --timeout {enough}，"
        "或用 --quick 先看个大概。",
    ),
    "lab_estimate_seconds": ("about {n} s on 2 free cores", "约 {n} 秒（2 个空闲 CPU 核）"),
    "lab_estimate_minutes": ("about {n} min on 2 free cores", "约 {n} 分钟（2 个空闲 CPU 核）"),
    "lab_left_seconds": ("about {n} s left", "还剩约 {n} 秒"),
    "lab_left_minutes": ("about {n} min left", "还剩约 {n} 分钟"),
    "lab_no_result": ("No result yet: press g to run the lab.", "还没有结果：按 g 运行实验。"),
    "lab_last_result": ("Last result", "最近一次结果"),
    "lab_starting": ("Starting (importing torch)…", "正在启动（导入 torch）…"),
    "lab_cancelling": ("Cancelling…", "正在取消…"),
    "lab_cancelled": ("The lab run was cancelled.", "实验已取消。"),
    "lab_done": ("Done in {seconds} s.", "完成，用时 {seconds} 秒。"),
    "lab_elapsed": ("{n} s", "{n} 秒"),
    "lab_status_running": (
        "{status}  ({timing})  —  x: {cancel}",
        "{status}（{timing}）——x：{cancel}",
    ),
    "lab_training": (
        "Training the {model} student (seed {seed}): epoch {epoch}/{epochs}, "
        "validation NDCG@10 {ndcg}",
        "正在训练学生模型（{model}，种子 {seed}）：第 {epoch}/{epochs} 轮，验证集 NDCG@10 {ndcg}",
    ),
    "lab_refitting": (
        "Refitting the {model} student on train+validation (seed {seed}): epoch {epoch}/{epochs}",
        "正在用训练+验证数据重新训练学生模型（{model}，种子 {seed}）：第 {epoch}/{epochs} 轮",
    ),
    "lab_training_epoch": (
        "Training the {model} student (seed {seed}): epoch {epoch}/{epochs}",
        "正在训练学生模型（{model}，种子 {seed}）：第 {epoch}/{epochs} 轮",
    ),
    "lab_stage_data": ("Loading the data…", "正在载入数据…"),
    "lab_stage_teacher": ("Training the teacher…", "正在训练教师模型…"),
    "lab_teacher_training": (
        "Training the teacher: epoch {epoch}/{epochs}, validation NDCG@10 {ndcg}",
        "正在训练教师模型：第 {epoch}/{epochs} 轮，验证集 NDCG@10 {ndcg}",
    ),
    "lab_teacher_epoch": (
        "Training the teacher: epoch {epoch}/{epochs}",
        "正在训练教师模型：第 {epoch}/{epochs} 轮",
    ),
    "lab_teacher_refitting": (
        "Refitting the teacher on train+validation: epoch {epoch}/{epochs}",
        "正在用训练+验证数据重新训练教师模型：第 {epoch}/{epochs} 轮",
    ),
    "lab_stage_student": (
        "Training the {model} student (seed {seed})…",
        "正在训练学生模型（{model}，种子 {seed}）…",
    ),
    # A student's name inside the progress messages above.
    "lab_student_scratch": ("scratch", "从零训练"),
    "lab_student_ranking": ("ranking KD", "排序蒸馏"),
    "lab_student_listwise": ("listwise KD", "列表级蒸馏"),
    "lab_student_soft": ("soft-target KD", "软目标蒸馏"),
    # kdquiz data: fetching real data sets for the lab (the CLI and the app's fetch dialog)
    "help_lab_dataset": (
        "use a fetched data set by name (see `kdquiz data list`)",
        "按名称使用已获取的数据集（见 `kdquiz data list`）",
    ),
    "lab_no_movielens_app": (
        "MovieLens-100K is not on this machine, so the lab uses synthetic data; press f to fetch "
        "it from GroupLens.",
        "本机还没有 MovieLens-100K，实验室将使用合成数据；按 f 从 GroupLens 获取。",
    ),
    "help_data": (
        "fetch, list and remove real data sets for the lab (MovieLens)",
        "获取、列出和删除实验室使用的真实数据集（MovieLens）",
    ),
    "help_data_fetch": (
        "download a data set from GroupLens, check it and keep it for the lab",
        "从 GroupLens 下载数据集，校验后保存供实验室使用",
    ),
    "help_data_list": (
        "list the data sets, their sizes and whether they are fetched",
        "列出各数据集、它们的大小以及是否已获取",
    ),
    "help_data_remove": ("delete a fetched data set", "删除已获取的数据集"),
    "help_data_name": (
        "the data set, e.g. movielens-100k (`kdquiz data list` shows them all)",
        "数据集名称，例如 movielens-100k（`kdquiz data list` 会列出全部）",
    ),
    "help_data_accept": (
        "accept the GroupLens terms without being asked (for scripts)",
        "不经询问直接接受 GroupLens 的条款（供脚本使用）",
    ),
    "help_data_from": (
        "install from the zip you downloaded by hand (works offline)",
        "从你手动下载的 zip 文件安装（无需联网）",
    ),
    "help_data_force": ("fetch it again even if it is there", "即使已存在也重新获取"),
    "data_licence": (
        "{title} is provided by GroupLens Research (University of Minnesota) under these terms:\n"
        "  - research use only: no commercial use without permission from GroupLens;\n"
        "  - no redistribution: kdquiz downloads it from GroupLens for you and never bundles it;\n"
        "  - acknowledge it in publications by citing F. Maxwell Harper and Joseph A. Konstan, "
        '"The MovieLens Datasets: History and Context", ACM TiiS 5(4), 2015.\n'
        "The full terms are in the README that kdquiz keeps next to the data.",
        "{title} 由明尼苏达大学 GroupLens Research 提供，使用须遵守以下条款：\n"
        "  - 仅限研究使用：未经 GroupLens 许可，不得用于商业用途；\n"
        "  - 不得再分发：kdquiz 替你从 GroupLens 下载，从不随附这份数据；\n"
        "  - 在发表的成果中注明所用数据，并引用 F. Maxwell Harper 和 Joseph A. Konstan 的论文 "
        '"The MovieLens Datasets: History and Context"，ACM TiiS 5(4)，2015。\n'
        "完整条款见 kdquiz 保存在数据旁的 README 文件。",
    ),
    "data_accept": (
        "Accept these terms and download {title} ({size})?",
        "是否接受以上条款并下载 {title}（{size}）？",
    ),
    "data_needs_accept": (
        "kdquiz downloads MovieLens only when you accept its terms: run this in a terminal to "
        "answer, or add --accept-license.",
        "只有在你接受条款后 kdquiz 才会下载 MovieLens：请在终端中运行以便作答，或加上 "
        "--accept-license。",
    ),
    "data_declined": ("Nothing was downloaded.", "未下载任何内容。"),
    "data_downloading": ("Downloading {title}", "正在下载 {title}"),
    "data_checking": ("Checking {title}", "正在校验 {title}"),
    "data_fetched": ("{title} is in {folder}.", "{title} 已保存在 {folder}。"),
    "data_use": (
        "The lab uses it with `kdquiz lab --dataset {name}`.",
        "用 `kdquiz lab --dataset {name}` 让实验室使用它。",
    ),
    "data_use_default": (
        "`kdquiz lab` and the app's Lab use it from now on.",
        "从现在起，`kdquiz lab` 和应用中的实验室都会使用它。",
    ),
    "data_already": (
        "{title} is already in {folder} (--force fetches it again).",
        "{title} 已在 {folder} 中（加上 --force 可重新获取）。",
    ),
    "data_removed": ("Removed {title} ({folder}).", "已删除 {title}（{folder}）。"),
    "data_not_there": (
        "{title} is not fetched; there is nothing to remove.",
        "尚未获取 {title}，无需删除。",
    ),
    "data_col_name": ("data set", "数据集"),
    "data_col_size": ("size", "大小"),
    "data_col_status": ("status", "状态"),
    "data_col_where": ("where", "位置"),
    "data_status_fetched": ("fetched", "已获取"),
    "data_status_missing": ("not fetched", "未获取"),
    "data_list_hint": (
        "Fetch one with `kdquiz data fetch NAME`.",
        "用 `kdquiz data fetch NAME` 获取数据集。",
    ),
    "data_unknown": (
        "There is no data set named {name}; kdquiz knows {known}.",
        "没有名为 {name} 的数据集；kdquiz 支持的数据集有：{known}。",
    ),
    "data_not_fetched": (
        "{name} is not on this machine yet; run `kdquiz data fetch {name}` first.",
        "本机还没有 {name}；请先运行 `kdquiz data fetch {name}`。",
    ),
    "data_network_error": (
        "Could not download {title} from {url} ({why}); download that zip by hand and run "
        "`kdquiz data fetch {name} --from FILE.zip`.",
        "无法从 {url} 下载 {title}（{why}）；请手动下载该 zip 文件，再运行 "
        "`kdquiz data fetch {name} --from FILE.zip`。",
    ),
    "data_hash_mismatch": (
        "{where} is not the {title} zip kdquiz expects: its SHA-256 is {got}, expected {expected}.",
        "{where} 不是 kdquiz 所需的 {title} zip 文件：它的 SHA-256 是 {got}，应为 {expected}。",
    ),
    "data_too_big": (
        "The download from {url} is far larger than expected, so it was stopped and deleted.",
        "从 {url} 下载的文件远大于预期，已停止下载并删除。",
    ),
    "data_not_zip": ("{where} is not a zip file.", "{where} 不是 zip 文件。"),
    "data_member_missing": (
        "{where} has no {member}; is it the {title} zip from GroupLens?",
        "{where} 中没有 {member}；它是 GroupLens 提供的 {title} zip 文件吗？",
    ),
    "data_no_zip": ("{path} does not exist or is not a file.", "{path} 不存在或不是文件。"),
    "data_read_error": ("Cannot read {path}: {why}.", "无法读取 {path}：{why}。"),
    "data_write_error": ("Cannot write {path}: {why}.", "无法写入 {path}：{why}。"),
    "data_cancelled": (
        "The download was cancelled; nothing was kept.",
        "下载已取消，未保留任何文件。",
    ),
    "labdata_grouplens_line": (
        "{path}, line {row}, is not a rating (user, item, rating, timestamp); fetch the data "
        "again with `kdquiz data fetch {name} --force`.",
        "{path} 第 {row} 行不是一条评分（用户、物品、评分、时间戳）；请用 "
        "`kdquiz data fetch {name} --force` 重新获取数据。",
    ),
    "data_fetch_title": ("Fetch {title}", "获取 {title}"),
    "data_accept_button": ("Accept and download", "接受并下载"),
    "data_progress": ("{done} of {total}", "{done}/{total}"),
    "data_fetched_app": (
        "Fetched {title}: the lab uses it now.",
        "已获取 {title}，实验室现在就会使用它。",
    ),
}

TOPICS: dict[str, tuple[str, str]] = {
    "challenges": ("Challenges and pitfalls", "难点与陷阱"),
    "ctr-distillation": ("CTR distillation", "CTR 预估蒸馏"),
    "evaluation": ("Evaluation", "评估"),
    "feature-distillation": ("Feature distillation", "特征蒸馏"),
    "interview-core": ("Core interview questions", "面试核心问题"),
    "kd-fundamentals": ("KD fundamentals", "蒸馏基础"),
    "kd-in-recsys": ("KD in recommenders", "推荐系统中的蒸馏"),
    "listwise-relational": ("Listwise and relational KD", "列表级与关系蒸馏"),
    "llm-distillation": ("LLM distillation", "大模型蒸馏"),
    "loss-design": ("Loss design", "损失设计"),
    "online-mutual-self": ("Online, mutual and self-distillation", "在线、互学习与自蒸馏"),
    "pipeline": ("Pipeline", "工程流程"),
    "privileged-features": ("Privileged features", "特权特征"),
    "ranking-distillation": ("Ranking distillation", "排序蒸馏"),
    "serving": ("Serving", "线上部署"),
    "soft-targets": ("Soft targets", "软目标"),
    "temperature": ("Temperature", "温度"),
}
"""Topic slugs (as in the banks and the catalogue) -> their names; a learner's own topics
show as their slugs."""


def topic_name(slug: str, lang: str) -> str:
    en, zh = TOPICS.get(slug, (slug, slug))
    return zh if lang == "zh" else en


KEYS: dict[str, tuple[str, str]] = {
    "quit": ("Quit", "退出"), "app.quit": ("Quit", "退出"), "help": ("Help", "帮助"),
    "toggle_language": ("中文/EN", "中文/EN"), "back": ("Back", "返回"), "close": ("Back", "返回"),
    "app.pop_screen": ("Back", "返回"), "leave": ("Back to the list", "回到列表"),
    "app.open('review')": ("Review", "复习"), "app.open('browse')": ("Browse", "题库"),
    "app.open('exercises')": ("Exercises", "练习"), "app.open('stats')": ("Stats", "统计"),
    "app.open('lab')": ("Lab", "实验室"), "app.settings": ("Settings", "设置"),
    "enter": ("Submit / next", "提交 / 下一题"), "reveal": ("Reveal", "看答案"),
    "focus_answer": ("Type an answer", "输入回答"),
    "practise_exercise": ("Related exercise", "相关练习"), "undo": ("Undo answer", "撤销回答"),
    "wait": ("Wait for the next card", "等下一张卡片"),
    "practise": (
        "Practise the highlighted question (out of schedule)", "练习选中的题目（不计入排程）",
    ),
    "select_cursor": ("Practise", "练习"), "focus_search": ("Search", "搜索"),
    "clear_filters": ("Clear filters", "清除筛选"),
    "cycle('topic')": ("Next topic filter", "切换主题筛选"),
    "cycle('type')": ("Next type filter", "切换题型筛选"),
    "cycle('difficulty')": ("Next difficulty filter", "切换难度筛选"),
    "cycle('status')": (
        "Next status filter (new, learning, due, mastered)",
        "切换状态筛选（新题、学习中、待复习、已掌握）",
    ),
    "check": ("Check", "检查"), "cancel_check": ("Cancel", "取消"),
    "cancel_run": ("Cancel", "取消"), "cancel": ("Cancel", "取消"), "hint": ("Hint", "提示"),
    "edit": ("Edit", "编辑"),
    "watch": ("Watch", "监视"), "solution": ("Solution", "参考解"), "reset": ("Reset", "重置"),
    "move(-1)": ("Previous exercise", "上一个练习"), "move(1)": ("Next exercise", "下一个练习"),
    "tab(-1)": ("Previous tab (Task, Check, Hints)", "上一个标签页（任务、检查、提示）"),
    "tab(1)": ("Next tab", "下一个标签页"), "run": ("Run", "运行"), "cycle_data": ("Data", "数据"),
    "toggle_workspace": ("Your code", "我的代码"), "cycle_seeds": ("Seeds", "种子数"),
    "toggle_preset": ("Preset", "预设"),
    "command_palette": ("palette", "命令面板"), "answer(True)": ("Yes", "是"),
    "fetch_data": ("Fetch data", "获取数据"),
    "answer(False)": ("No", "否"),
    "iv_enter": ("Go on", "继续"),
    "iv_skip": ("Skip", "跳过"), "iv_new_plan": ("Another plan", "换一套"),
    "iv_minutes(1)": ("Longer", "加时"), "iv_minutes(-1)": ("Shorter", "减时"),
    "iv_focus": ("Topic", "主题"), "iv_edit": ("Edit in $EDITOR", "用 $EDITOR 编辑"),
    "iv_workbench": ("Workbench", "练习界面"),
    "iv_review": ("Review the missed", "练习错题"), "iv_exercise": ("The exercise", "编程题"),
    "app.open('interview')": ("Interview", "面试"),
}  # fmt: skip
"""Key descriptions (the Footer, the help screen, the palette), by the binding's action."""


def key_description(action: str, lang: str, fallback: str) -> str:
    """What the key bound to `action` does, in `lang` (`fallback`, the binding's own English
    description, for an action not listed)."""
    en, zh = KEYS.get(action, (fallback, fallback))
    return zh if lang == "zh" else en


class Message(Exception):
    """Something to tell the user (a warning, or raised: an error they can fix), worded by its
    key in LABELS so that every front end says it in its own language; `str()` is the English."""

    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values
        super().__init__(t(key, "en", **values))

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.values)


def t(key: str, lang: str, **values: object) -> str:
    """The label `key` in `lang` (English when missing), with `{placeholders}` filled in."""
    en, zh = LABELS.get(key, (key, key))
    text = zh if lang == "zh" else en
    # A value may itself be a message (a name to word in the same language).
    words = {k: v.text(lang) if isinstance(v, Message) else v for k, v in values.items()}
    return text.format(**words) if values else text


def colon(lang: str) -> str:
    """What follows a label before its value: ": " in English, "：" in Chinese."""
    return "：" if lang == "zh" else ": "


def sentences(*parts: str, lang: str) -> str:
    """Sentences run together: a space between English ones, none after Chinese punctuation."""
    return ("" if lang == "zh" else " ").join(part for part in parts if part)
