"""A simulated learner's review history, for testing and timing the FSRS fit.

The learner's memory follows FSRS with parameters of its own (it forgets faster than FSRS's
defaults assume); the schedule it is shown follows the default parameters, as the app's would
before a fit. Fitting on this history should therefore move the parameters towards the
learner's and predict its recalls better than the defaults.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from kdquiz.fsrs_fit import card_id
from kdquiz.progress import ProgressStore, Review

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def forgetful_parameters() -> tuple[float, ...]:
    """FSRS's defaults with memories that grow more slowly on each successful recall (w8, the
    growth exponent, from about 1.8 to 1.0): a learner who forgets sooner than FSRS expects."""
    parameters = [float(p) for p in DEFAULT_PARAMETERS]
    parameters[8] = 1.0
    return tuple(parameters)


def simulated_history(
    questions: int = 150,
    days: int = 120,
    new_per_day: int = 8,
    seed: int = 0,
    ids: list[str] | None = None,
) -> list[Review]:
    """Reviews of `questions` cards (named by `ids`, else q0, q1, ...) over `days` days, oldest
    first."""
    rng = random.Random(seed)
    memory = Scheduler(parameters=forgetful_parameters(), enable_fuzzing=False)
    schedule = Scheduler(enable_fuzzing=False)
    cards: dict[str, tuple[Card, Card]] = {}  # question -> (shown schedule, true memory)
    reviews: list[Review] = []
    introduced = 0
    for day in range(days):
        now = START + timedelta(days=day, minutes=rng.randrange(600))
        for _ in range(new_per_day):
            if introduced < questions:
                cards[ids[introduced] if ids else f"q{introduced}"] = (
                    Card(card_id=introduced, due=now),
                    Card(card_id=introduced, due=now),
                )
                introduced += 1
        for question, (shown, true) in sorted(cards.items()):
            if shown.due > now:
                continue
            recall = float(memory.get_card_retrievability(true, now)) if true.last_review else 0.0
            if rng.random() < recall:
                rating = (
                    Rating.Good if rng.random() < 0.8 else rng.choice([Rating.Hard, Rating.Easy])
                )
            else:
                rating = Rating.Again
            reviews.append(Review(question, "sim", now, int(rating), rating != Rating.Again))
            shown, _ = schedule.review_card(shown, rating, review_datetime=now)
            true, _ = memory.review_card(true, rating, review_datetime=now)
            cards[question] = (shown, true)
            now += timedelta(seconds=30)
    return reviews


def record_history(store: ProgressStore, reviews: list[Review]) -> None:
    """Store `reviews` as if they had been answered in the app with the default parameters."""
    schedule = Scheduler(enable_fuzzing=False)
    cards: dict[str, Card] = {}
    for review in reviews:
        card = cards.get(review.question) or Card(card_id=card_id(review.question), due=review.at)
        card, _ = schedule.review_card(card, Rating(review.rating), review_datetime=review.at)
        cards[review.question] = card
        store.record_review(review, card.to_json(), card.due)
