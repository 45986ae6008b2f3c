"""Fitting FSRS to the learner's history: what counts, how parameters are scored, storing and
using them, the fit itself (in a subprocess), and `kdquiz fsrs`."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from kdquiz import fsrs_fit
from kdquiz.bank import builtin_bank_dir, load_banks
from kdquiz.catalog import exercise_ids
from kdquiz.cli import main
from kdquiz.dev.simulate import forgetful_parameters, record_history, simulated_history
from kdquiz.fsrs_fit import (
    MIN_REVIEWS,
    StoredFit,
    countable_reviews,
    default_parameters,
    evaluate,
    load_fit,
    run_fit,
    save_parameters,
)
from kdquiz.progress import ProgressStore, Review
from kdquiz.review import Deck
from kdquiz.sandbox.warm import WarmServer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def review(question: str, at: datetime, rating: int = 3) -> Review:
    return Review(question, "t", at, rating, rating != 1)


@pytest.fixture(scope="module")
def history() -> list[Review]:
    """A simulated learner who forgets faster than FSRS's defaults assume, with enough
    countable reviews to fit on (but not many more, to keep the fit quick)."""
    reviews = simulated_history(questions=60, days=90, new_per_day=6)
    assert MIN_REVIEWS <= countable_reviews(reviews) < 2 * MIN_REVIEWS
    return reviews


def test_only_reviews_a_day_after_the_previous_one_count() -> None:
    reviews = [
        review("a", T0),  # first review: nothing to predict
        review("a", T0 + timedelta(minutes=10)),  # same-day step: not counted
        review("a", T0 + timedelta(days=1, minutes=10)),  # a day after the previous: counted
        review("a", T0 + timedelta(days=1, hours=12)),  # hours after: not counted
        review("b", T0 + timedelta(days=3)),
        review("b", T0 + timedelta(days=9)),  # counted
    ]
    assert countable_reviews(reversed(reviews)) == 2  # order does not matter


def test_only_the_first_64_reviews_of_a_card_count() -> None:
    reviews = [review("a", T0 + timedelta(days=2 * i)) for i in range(100)]
    assert countable_reviews(reviews) == 63


def test_evaluate_prefers_the_learners_own_parameters(history: list[Review]) -> None:
    """The parameters the simulated learner's memory follows predict its recalls better than
    FSRS's defaults: the score is the optimizer's own loss, and it is comparable."""
    own = evaluate(forgetful_parameters(), history)
    default = evaluate(default_parameters(), history)
    assert own.reviews == default.reviews == countable_reviews(history)
    assert own.log_loss < default.log_loss
    assert own.rmse < default.rmse
    assert 0 < own.rmse < 1


def test_evaluate_matches_a_hand_computed_log_loss() -> None:
    parameters = default_parameters()
    scheduler = Scheduler(parameters=parameters, enable_fuzzing=False)
    card = Card(card_id=1, due=T0)
    card, _ = scheduler.review_card(card, Rating.Good, review_datetime=T0)
    later = T0 + timedelta(days=5)
    p = float(scheduler.get_card_retrievability(card, later))
    metrics = evaluate(parameters, [review("x", T0), review("x", later, rating=1)])
    assert metrics.reviews == 1
    assert metrics.log_loss == pytest.approx(-math.log(1 - p))
    assert metrics.rmse == pytest.approx(p)


def test_evaluate_without_countable_reviews_is_not_a_number() -> None:
    metrics = evaluate(default_parameters(), [review("x", T0)])
    assert metrics.reviews == 0 and math.isnan(metrics.log_loss)


def test_stored_parameters_round_trip_and_damage_falls_back_to_defaults(tmp_path) -> None:
    store = ProgressStore(tmp_path / "p.db")
    assert load_fit(store) is None
    fit = StoredFit(forgetful_parameters(), T0, 700)
    save_parameters(store, fit)
    assert load_fit(store) == fit
    for damaged in ("not json", '{"parameters": [1, 2]}', '{"parameters": "x"}'):
        store.set_setting(fsrs_fit.SETTING, damaged)
        assert load_fit(store) is None
    out_of_bounds = [*forgetful_parameters()]
    out_of_bounds[0] = -5.0
    save_parameters(store, StoredFit(tuple(out_of_bounds), T0, 700))
    assert load_fit(store) is None
    save_parameters(store, None)
    assert load_fit(store) is None


@pytest.fixture
def deck(tmp_path) -> Deck:
    bank, problems = load_banks([builtin_bank_dir()], set(exercise_ids()))
    assert not problems
    store = ProgressStore(tmp_path / "progress.db")
    ids = [q.id for q in bank.questions]
    record_history(store, simulated_history(questions=40, days=60, new_per_day=5, ids=ids))
    return Deck(bank, store, clock=lambda: T0 + timedelta(days=60))


def test_a_deck_schedules_with_the_fitted_parameters_and_reschedules(deck: Deck) -> None:
    fit = StoredFit(forgetful_parameters(), T0, 600)
    question = next(q for q in deck.bank.questions if q.id in deck.cards)
    deck.answer(question, 3, True)
    before = {q: card.due for q, card in deck.cards.items()}
    assert deck.can_undo()

    assert deck.use_fit(fit, reschedule=True) == len(deck.cards)
    assert not deck.can_undo()  # earlier answers were scheduled with other parameters
    assert deck.parameters == fit.parameters
    # Every card is as if the learner's parameters had always been used: replay one by hand.
    replay = Scheduler(parameters=fit.parameters, enable_fuzzing=False)
    history = [r for r in deck.reviews if r.question == question.id]
    card = Card(card_id=fsrs_fit.card_id(question.id), due=history[0].at)
    for r in history:
        card, _ = replay.review_card(card, Rating(r.rating), review_datetime=r.at)
    assert deck.cards[question.id].due == card.due
    # This learner forgets sooner: cards come back no later, most of them sooner.
    after = {q: card.due for q, card in deck.cards.items()}
    assert all(after[q] <= before[q] for q in before)
    assert sum(after[q] < before[q] for q in before) > len(before) // 2
    # Stored: a new deck on the same store reads the same schedule and parameters.
    again = Deck(deck.bank, deck.store, clock=deck.clock)
    assert again.fit == fit
    assert {q: c.due for q, c in again.cards.items()} == after

    assert deck.use_fit(None, reschedule=False) == 0
    assert deck.parameters == default_parameters()
    assert {q: c.due for q, c in deck.cards.items()} == after  # kept their dates


def test_too_few_reviews_are_refused_without_starting_the_optimizer() -> None:
    reviews = simulated_history(questions=10, days=20)
    assert countable_reviews(reviews) < MIN_REVIEWS
    outcome = run_fit(reviews, default_parameters())
    assert outcome.fit is None and outcome.failure == "too_few"


def test_the_fit_moves_towards_the_learner_and_predicts_better(
    history: list[Review], warm_checker: WarmServer
) -> None:
    progress: list[tuple[int, int]] = []
    outcome = run_fit(
        history, default_parameters(), lambda done, total: progress.append((done, total)),
        server=warm_checker,
    )  # fmt: skip
    assert outcome.failure is None, outcome.detail
    fit = outcome.fit
    assert fit is not None
    assert progress == [(n, fsrs_fit.EPOCHS) for n in range(1, fsrs_fit.EPOCHS + 1)]
    assert fit.old == evaluate(default_parameters(), history)
    assert fit.new == evaluate(fit.parameters, history)
    assert fit.improves and fit.new.rmse < fit.old.rmse
    # The learner's memories grow more slowly on each recall (w8): the fit lowers it.
    assert fit.parameters[8] < default_parameters()[8] - 0.1
    Scheduler(parameters=fit.parameters)  # within fsrs's bounds


def test_a_crash_in_the_optimizer_is_reported_not_raised(warm_checker: WarmServer) -> None:
    reviews = simulated_history(questions=60, days=90, new_per_day=6)
    broken = [Review(r.question, r.topic, r.at, 9, True) for r in reviews]  # no such rating
    outcome = run_fit(broken, default_parameters(), server=warm_checker)
    assert outcome.fit is None and outcome.failure == "crashed"
    assert "9 is not a valid Rating" in outcome.detail


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_says_how_many_more_reviews_are_needed(capsys) -> None:
    store = ProgressStore.default()
    record_history(store, simulated_history(questions=10, days=20))
    counted = countable_reviews(store.reviews())
    code, out, _ = run(capsys, "fsrs")
    assert code == 0
    assert "Scheduling with FSRS's default parameters" in out
    assert f"{counted} of the {MIN_REVIEWS} needed ({MIN_REVIEWS - counted} more)" in out
    code, out, _ = run(capsys, "fsrs", "optimize")
    assert code == 1 and f"({MIN_REVIEWS - counted} more)" in out


def test_cli_optimizes_reschedules_and_resets(capsys, history: list[Review]) -> None:
    store = ProgressStore.default()
    record_history(store, history)
    before = store.cards()
    code, out, err = run(capsys, "fsrs", "optimize")  # not a terminal: shows, changes nothing
    assert code == 1 and "pass --yes" in err
    assert "in use" in out and "fitted" in out and "log-loss" in out
    assert load_fit(store) is None and store.cards() == before

    code, out, _ = run(capsys, "fsrs", "optimize", "--yes")
    assert code == 0, out
    assert "Rescheduled 60 cards." in out
    fit = load_fit(store)
    assert fit is not None and fit.reviews == countable_reviews(history)
    assert store.cards() != before

    code, out, _ = run(capsys, "fsrs")
    assert "parameters fitted to your reviews on" in out
    assert f"{fit.parameters[8]:7.4f}" in out

    code, out, _ = run(capsys, "fsrs", "reset", "--no-reschedule")
    assert code == 0 and "Back to FSRS's default parameters." in out
    assert load_fit(store) is None
