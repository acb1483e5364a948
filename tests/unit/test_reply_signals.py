"""Reply-side confidence signals (graphs/support/reply_signals.py): the reply the agent is about to send, read
against the conversation; the same function in the graph and on recorded first-contact turns."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage

from evals.confidence_fit import LabelledTurn
from evals.first_contact import with_reply_signals
from graphs.support.confidence import DIRECTION, EXPLAIN, SIGNALS, signals_of
from graphs.support.nodes.assess import low_turns_after
from graphs.support.reply_signals import REPLY_SIGNALS, reply_signals
from graphs.support.state import State
from prompts import render_reply

OFFER = render_reply("confirm_steps", pending=[{"tool": "change_plan", "args": {"plan": "pro"}, "declined": None,
                                                "why": "move you to Pro"}], found={})
ANSWER = "Order 10234 was delivered on 2026-01-23."


def test_the_agent_saying_again_what_it_said_last_turn_is_a_repeat() -> None:
    rated = f"{ANSWER}\n\n{render_reply('csat_ask')}"
    assert reply_signals([rated], ANSWER)["reply_repeat"] == 1.0  # the rating request after it aside
    assert reply_signals([ANSWER, "Anything else?"], ANSWER)["reply_repeat"] == 0.0  # not the previous message
    assert reply_signals([], ANSWER)["reply_repeat"] == 0.0
    assert reply_signals([ANSWER], "")["reply_repeat"] == 0.0


def test_an_offer_waiting_for_the_customers_yes_awaits_confirmation() -> None:
    assert "Shall I go ahead" in OFFER
    assert reply_signals([], OFFER)["awaits_confirmation"] == 1.0
    assert reply_signals([], ANSWER)["awaits_confirmation"] == 0.0


def test_reply_signals_are_named_signals_that_lower_confidence() -> None:
    assert set(REPLY_SIGNALS) <= set(SIGNALS)
    assert all(DIRECTION[name] == -1 and EXPLAIN[name] for name in REPLY_SIGNALS)


def test_signals_of_reads_the_draft_reply_against_the_agents_earlier_messages() -> None:
    state = State(
        turn=2, messages=[HumanMessage("where is my order 10234"), AIMessage(ANSWER), HumanMessage("hm ok?")],
        understanding={"intents": [{"intent": "track_order", "confidence": 0.9}], "margin": 0.8, "entities": {},
                       "continues_flow": False, "affirmation": None, "missing": [], "rationale": "",
                       "source": "local", "agreement": 1.0},
        flow={"intents": ["track_order"], "confidences": {"track_order": 0.9}, "slots": {}, "stage": "done",
              "asking": [], "low_confidence_turns": 0},
        plan=[])
    assert signals_of(state, reply=ANSWER)["reply_repeat"] == 1.0
    assert signals_of(state)["reply_repeat"] == 0.0  # no draft: nothing to read


def test_recorded_turns_get_the_reply_signals_from_the_replies_sent_in_order() -> None:
    def turn(n: int, replies: tuple[str, ...], signals: dict[str, float] | None = None) -> LabelledTurn:
        return LabelledTurn(f"w1-x#{n}", "right", "right", signals or {"margin": 1.0}, True, "w1-x/1",
                            replies=replies)

    out = with_reply_signals([turn(0, (ANSWER,)), turn(1, (ANSWER,)), turn(2, (OFFER,)),
                              turn(3, (), {"margin": 1.0})])
    assert [t.signals.get("reply_repeat") for t in out] == [0.0, 1.0, 0.0, None]  # no replies kept: none
    assert out[2].signals["awaits_confirmation"] == 1.0
    kept = with_reply_signals([turn(0, (OFFER,), {"awaits_confirmation": 0.0})])
    assert kept[0].signals["awaits_confirmation"] == 0.0  # a signal the record has is never overwritten


def test_an_offer_waiting_for_a_yes_is_progress_for_the_no_progress_count() -> None:
    """The offer lowers the turn's confidence (awaits_confirmation) but does not leave a clarifying question's
    count running: a customer unsure at first, then offered the action, is not handed over for a hesitant yes."""
    assert low_turns_after(1, clarify=False, sure=False, offering=True) == 0
    assert low_turns_after(1, clarify=False, sure=False, offering=False) == 1
    assert low_turns_after(1, clarify=False, sure=True, offering=False) == 0
    assert low_turns_after(0, clarify=True, sure=False, offering=False) == 1


def test_several_offers_in_one_reply_ask_once_for_all_of_them() -> None:
    def cancel(order_id: int) -> dict[str, object]:
        return {"tool": "cancel_order", "why": "cancel the order", "declined": None, "args": {"order_id": order_id}}

    one = render_reply("confirm_steps", pending=[cancel(41001)], found={})
    assert one.count("?") == 1 and "Shall I go ahead and cancel it?" in one, one
    two = render_reply("confirm_steps", pending=[cancel(41001), cancel(41002)], found={})
    assert two.count("?") == 1 and two.rstrip().endswith("Shall I go ahead with both?"), two
    assert "41001" in two and "41002" in two
    three = render_reply("confirm_steps", pending=[cancel(41001), cancel(41002), cancel(41003)], found={})
    assert three.count("?") == 1 and "Shall I go ahead with all 3?" in three, three
    assert reply_signals([], three)["awaits_confirmation"] == 1.0
