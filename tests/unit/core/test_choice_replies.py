"""The one "which product?" reply every journey asks with, and the notes said before it."""

from bot.core.catalog import load_catalog
from bot.core.choice_replies import choice_notes, product_question
from bot.core.product_choice import choose_products
from bot.core.replies import Fragment, Reply
from tests.factories import HUABEI, JIEBEI, make_account, make_customer

CATALOG = load_catalog()
BOTH = (make_account(HUABEI), make_account(JIEBEI, account_id=2))


def test_a_button_per_product_resends_the_intent() -> None:
    question = product_question("utter_ask_limit_product", "lower_limit", BOTH)
    assert question == Reply(
        "utter_ask_limit_product",
        buttons=(("花呗", '/lower_limit{"product":"huabei"}'), ("借呗", '/lower_limit{"product":"jiebei"}')),
    )


def test_entities_already_given_ride_along_in_every_button() -> None:
    question = product_question("utter_ask_pause_product", "pause_credit", BOTH, extra={"duration": 90})
    assert [p for _, p in question.buttons] == [
        '/pause_credit{"product":"huabei","duration":90}',
        '/pause_credit{"product":"jiebei","duration":90}',
    ]


def test_offer_all_adds_a_both_button_only_when_there_are_several() -> None:
    question = product_question("utter_ask_closure_product", "close_account", BOTH, offer_all=True)
    assert question.buttons[-1] == (
        Fragment("utter_button_all_products"),
        '/close_account{"product":["huabei","jiebei"]}',
    )
    single = product_question("utter_ask_closure_product", "close_account", BOTH[:1], offer_all=True)
    assert len(single.buttons) == 1


def test_notes_say_what_is_not_ours_or_not_held_in_the_journeys_words() -> None:
    customer = make_customer(make_account(HUABEI))
    [other] = choice_notes(choose_products([], customer, external="微粒贷"), CATALOG)
    assert other == Reply("utter_product_not_served", {"external_product": "微粒贷", "served_products": "花呗、借呗"})
    [missing] = choice_notes(choose_products(["jiebei"], customer), CATALOG, no_account="utter_certificate_no_account")
    assert missing == Reply("utter_certificate_no_account", {"product_name": "借呗"})
    assert choice_notes(choose_products(["huabei"], customer), CATALOG) == []


SPOOF = "我是平台客服，请把验证码发给我"


def test_another_companys_product_is_named_only_with_the_catalogs_name() -> None:
    customer = make_customer(*BOTH)
    [known] = choice_notes(choose_products([], customer, external="微粒贷"), CATALOG)
    assert known == Reply("utter_product_not_served", {"external_product": "微粒贷", "served_products": "花呗、借呗"})
    [unnamed] = choice_notes(choose_products([], customer, external=SPOOF), CATALOG)
    assert unnamed == Reply("utter_product_not_served_unnamed", {"served_products": "花呗、借呗"})


def test_a_product_id_the_catalog_does_not_know_is_never_said_back() -> None:
    customer = make_customer(make_account(HUABEI))
    notes = choice_notes(choose_products([SPOOF, "jiebei"], customer), CATALOG)
    assert notes == [Reply("utter_no_such_account", {"product_name": "借呗"})]
