"""The demo practice's risk analysis: last year's completed assessment (questionnaire answered and
signed off, risks rated, owned and treated, a plan partly done, one risk accepted by the owner)
and this year's, started as its copy and under way: two sections re-answered and awaiting
sign-off, a risk that rose and one that fell, new proposals from the inventory, and a plan item
overdue."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hipaaops.core.demo import SIGN_IN_EMAIL, DemoContext, register

# Areas for review in the practice's answers: the second answer (partly / informal) of these.
PARTIAL = {
    "basics_asset_level",
    "policies_review",
    "workforce_phishing",
    "data_access_review",
    "practice_device_inventory",
    "vendors_baa",
    "contingency_backups",
    "contingency_criticality",
}
ADOPT = 10


def _answer_all(access: object, a: object, partial: set[str]) -> None:
    from hipaaops.sra import rules, services

    for sec in rules.sections():
        for q in sec.questions:
            given = dict(a.answers.values_list("question", "answer"))  # type: ignore[attr-defined]
            if not rules.applies(q, given):
                continue
            best = [x for x in q.answers if x.best]
            chosen = q.answers[1] if q.key in partial and not q.answers[1].best else best[-1]
            services.record_answer(access, a, question=q.key, answer=chosen.key)  # type: ignore[arg-type]


@register(50, "risk assessment")
def load_sra(ctx: DemoContext) -> None:
    from hipaaops.organizations.access import access_organization
    from hipaaops.safeguards.models import SafeguardItem
    from hipaaops.sra import rules, selectors, services

    org = ctx.organization
    officer = ctx.people[SIGN_IN_EMAIL]
    owner = ctx.people["owner@lakeside.example"]
    it = ctx.people["it@lakeside.example"]
    access = access_organization(officer, org.slug)
    owner_access = access_organization(owner, org.slug)
    today = timezone.localdate()
    participants = [
        {"name": "Dr. Maya Chen", "role": "Managing physician (owner)"},
        {"name": "Jordan Reyes", "role": "Privacy and security official"},
        {"name": "Sam Patel", "role": "IT coordinator"},
        {"name": "Lee Okafor", "role": "Front desk"},
    ]
    last = services.create_assessment(
        access,
        title="Security risk assessment 2025",
        assessed_on=today - timedelta(days=330),
        scope="All ePHI Lakeside Family Medicine creates, receives, maintains or transmits: the "
        "clinic, the hosted EHR, billing through Northwind, e-mail, mobile devices and the "
        "workforce's laptops.",
        method="Inventory review with the IT coordinator, the guided questionnaire answered in "
        "a workshop, asset-level scenarios rated on the five-level scale, likelihood checked "
        "against the public breach record for health care providers.",
        participants=participants,
    )
    _answer_all(access, last, PARTIAL)
    for sec in rules.sections():
        services.sign_off_section(access, last, section=sec.key)
    proposals = selectors.proposals(last)[:ADOPT]
    created = services.adopt_proposals(access, last, [p.key for p in proposals])
    controls = list(SafeguardItem.objects.filter(organization=org, excluded_by_profile=False)[:40])
    for i, s in enumerate(created):
        lk = s.likelihood or (2 + i % 3)
        im = 3 + i % 3
        services.update_scenario(
            access,
            s,
            likelihood=lk,
            impact=im,
            likelihood_basis=s.likelihood_basis or "Workshop judgement.",
            residual_likelihood=max(1, lk - 1),
            residual_impact=im,
            owner=it.pk if i % 2 else officer.pk,
            controls=[c.pk for c in controls[i * 3 : i * 3 + 2]],
        )
        if i == len(created) - 1:
            services.decide_treatment(
                access,
                s,
                treatment="accept",
                justification="Low residual risk after the compensating controls; replacing the "
                "system now costs more than the harm it could cause (164.306(b)(2)).",
                approver=owner.pk,
            )
            continue
        services.decide_treatment(access, s, treatment="mitigate", justification="Reduce it.")
        services.add_plan_item(
            access,
            s,
            title=f"Close the gap: {s.vulnerability.replace('_', ' ')}",
            owner=it.pk if i % 2 else officer.pk,
            due_on=today - timedelta(days=200 - 20 * i),
            status="done" if i % 3 == 0 else "open",
        )
    services.complete_assessment(owner_access, last)

    this = services.create_assessment(
        access,
        title="Security risk assessment 2026",
        assessed_on=today - timedelta(days=14),
        scope=last.scope,
        method=last.method,
        participants=participants,
        copy_from=last,
    )
    changed = [q for q in rules.sections()[2].questions if q.asks_when is None][:1]
    for q in changed:
        best = [x for x in q.answers if x.best][-1]
        services.record_answer(access, this, question=q.key, answer=best.key)
    scenarios = list(this.scenarios.order_by("number"))
    if len(scenarios) >= 2:
        up, down = scenarios[0], scenarios[1]
        services.update_scenario(access, up, likelihood=min(5, (up.likelihood or 2) + 1))
        services.update_scenario(
            access, down, residual_likelihood=1, residual_impact=max(1, (down.impact or 2) - 1)
        )
    items = list(this.plan_items.order_by("due_on"))
    for item in items[:1]:
        services.update_plan_item(access, item, status="done")
    for item in items[1:2]:
        services.update_plan_item(
            access, item, due_on=today - timedelta(days=9), status="in_progress"
        )
    extra = selectors.proposals(this)[:3]
    if extra:
        services.adopt_proposals(access, this, [p.key for p in extra])
