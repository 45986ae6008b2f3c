"""Developer tools for the curriculum (not used by learners): run from a source checkout.

python -m kdquiz.dev selfcheck [--update] [EXERCISE ...]   the self-check corpus vs. its golden file
python -m kdquiz.dev mutate EXERCISE [...] | --all         mutation testing of the hidden suites
"""
