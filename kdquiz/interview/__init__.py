"""The mock interview: a timed session of questions with follow-ups and a coding exercise,
planned from the learner's weak spots (`plan`), run by a clock-driven state machine
(`session`), and reported per topic and over time (`report`). The app and the CLI only present
these."""
