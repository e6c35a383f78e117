"""What to say about unbinding linked services; the wording is in domain.yml."""

from __future__ import annotations

from datetime import date

from bot.core.catalog import Catalog
from bot.core.change_offer import ChangeOffer
from bot.core.formatting import cn_date, join_cn, with_note, yuan
from bot.core.replies import Button, FactUse, Fragment, Param, Part, Reply, concat, intent_button
from bot.unbinding.unbinding import Bound, Unbinding, UnbindPlan, Unbound


def label(bound: Bound, catalog: Catalog) -> str:
    """「花呗免密支付（滴滴出行）」: product, service kind and, if known, merchant or detail (all catalog/DB data)."""
    kind = catalog.service(bound.service.service_type)
    name = bound.account.product.display_name + (kind.display_name if kind else bound.service.service_type)
    return with_note(name, bound.service.merchant or bound.service.detail)


def unbind_offer(plan: UnbindPlan, catalog: Catalog, *, product_names: str, today: date) -> ChangeOffer:
    """The answer to 「关闭自动还款」: list, explain consequences and ask to confirm, or say why not."""
    replies: list[Part] = []
    for kind in plan.not_bound:
        info = catalog.service(kind)
        if info is not None:  # a service kind the catalog does not know is never repeated back
            replies.append(
                Reply("utter_unbind_not_bound", {"service_name": info.display_name, "products": product_names})
            )
    for bound in plan.already_unbound:
        when: Param = (
            cn_date(bound.service.unbound_on, today=today)
            if bound.service.unbound_on
            else Fragment("utter_date_unknown")
        )
        replies.append(Reply("utter_unbind_already", {"service": label(bound, catalog), "unbound_on": when}))
    if not plan.bound:
        replies.append(Reply("utter_unbind_nothing_bound", {"products": product_names}))
        return ChangeOffer(replies)
    if plan.which_product:
        kinds = dict.fromkeys(b.service.service_type for b in plan.which_product)
        names = join_cn(_kind_name(kind, catalog) for kind in kinds)
        lines = join_cn(dict.fromkeys(b.account.product.display_name for b in plan.which_product))
        buttons = _buttons(plan.which_product, catalog)
        if plan.kept:  # the rest of the request is not forgotten while one kind is asked about
            also = join_cn((label(b, catalog) for b in plan.kept), and_last=False)
            replies.append(Reply("utter_unbind_also", {"services": also}))
        replies.append(Reply("utter_unbind_which_product", {"service_name": names, "products": lines}, buttons))
        return ChangeOffer(replies)
    if not plan.chosen:
        response = "utter_unbind_list_other" if plan.asked else "utter_unbind_list"
        replies.append(Reply(response, {"products": product_names}, _buttons(plan.bound, catalog)))
        return ChangeOffer(replies)
    # every consequence in one message, however many services: the question follows at once
    effects: list[Param] = [_consequence(u, catalog, today) for u in plan.chosen]
    if any(u.bound.service.service_type == "auto_repay" for u in plan.chosen):
        effects.append(FactUse("unbinding_auto_repay"))
    replies.append(Reply("utter_unbind_effects", {"effects": concat(effects, lines=True)}))
    labels = join_cn((label(u.bound, catalog) for u in plan.chosen), and_last=False)
    change = {"kind": "unbind", "service_ids": [u.bound.service.id for u in plan.chosen]}
    return ChangeOffer(replies, change, Fragment("utter_change_question_unbind", {"services": labels}))


def _kind_name(kind: str, catalog: Catalog) -> str:
    info = catalog.service(kind)
    return info.display_name if info else kind


def _buttons(bound: tuple[Bound, ...], catalog: Catalog) -> tuple[Button, ...]:
    buttons: dict[str, Button] = {}  # one button per payload (service kind on a product)
    for b in bound:
        title, payload = intent_button(
            label(b, catalog), "unbind_service", service=b.service.service_type, product=b.account.product.id
        )
        buttons.setdefault(payload, (title, payload))
    return tuple(buttons.values())


def _consequence(unbinding: Unbinding, catalog: Catalog, today: date) -> Fragment:
    bound = unbinding.bound
    product = bound.account.product.display_name
    params: dict[str, Param] = {
        "service": label(bound, catalog),
        "product_name": product,
        "merchant": bound.service.merchant or bound.service.detail or "",
    }
    if bound.service.service_type == "auto_repay":
        due = unbinding.next_due
        params["next_due"] = (
            Fragment(
                "utter_unbind_next_due",
                {"product_name": product, "due_date": cn_date(due.due_date, today=today), "amount": yuan(due.amount)},
            )
            if due
            else Fragment("utter_unbind_nothing_due", {"product_name": product})
        )
    return Fragment(f"utter_unbind_effect_{bound.service.service_type}", params)


def unbind_outcome_replies(outcome: Unbound, catalog: Catalog) -> list[Part]:
    """What changed after a confirmed unbind, or that nothing did."""
    if outcome.stale or not outcome.services:
        return [Reply("utter_unbind_stale")]
    return [
        Reply("utter_unbind_done", {"services": join_cn((label(b, catalog) for b in outcome.services), and_last=False)})
    ]
