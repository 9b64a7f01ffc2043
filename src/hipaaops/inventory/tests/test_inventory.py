"""Assets and flows: checks naming the field, disposal records, observations, imports that load
all or nothing, the map, pages, exports, the API and other organizations' records refused."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hipaaops.audit.models import AuditEntry
from hipaaops.core.errors import DomainError
from hipaaops.inventory import maps, rules, selectors, services
from hipaaops.inventory.models import Asset, DataFlow
from hipaaops.organizations.access import access_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cast: Any) -> Any:
    return access_organization(cast.officer, cast.org.slug)


@pytest.fixture
def outsider(cast: Any) -> Any:
    return access_organization(cast.outsider, cast.other_org.slug)


def _asset(access: Any, name: str, **kw: Any) -> Asset:
    values = {"asset_type": "application", "holds_ephi": "yes", "ephi_kinds": ["clinical"]}
    values.update(kw)
    return services.create_asset(access, name=name, **values)


def test_assets_are_checked_field_by_field(cast: Any, officer: Any, outsider: Any) -> None:
    for values, field in (
        ({"name": " ", "asset_type": "server"}, "name"),
        ({"name": "X", "asset_type": "toaster"}, "asset_type"),
        ({"name": "X", "asset_type": "server", "holds_ephi": "maybe"}, "holds_ephi"),
        ({"name": "X", "asset_type": "server", "ephi_kinds": ["gossip"]}, "ephi_kinds"),
        ({"name": "X", "asset_type": "server", "records": "many"}, "records"),
        ({"name": "X", "asset_type": "server", "criticality": "vital"}, "criticality"),
        ({"name": "X", "asset_type": "server", "owner": cast.outsider.pk}, "owner"),
        ({"name": "X", "asset_type": "server", "lifecycle": "disposed"}, "lifecycle"),
        (
            {"name": "X", "asset_type": "server", "holds_ephi": "no", "ephi_kinds": ["clinical"]},
            "ephi_kinds",
        ),
        ({"name": "X", "asset_type": "server", "colour": "red"}, "colour"),
    ):
        with pytest.raises(DomainError) as raised:
            services.create_asset(officer, **values)
        assert raised.value.field == field, values
    assert not Asset.objects.exists()
    ehr = _asset(officer, "EHR", owner=cast.owner.pk, records="14,200")
    assert ehr.records == 14200 and ehr.owner == cast.owner
    with pytest.raises(DomainError) as raised:
        _asset(officer, "ehr")
    assert raised.value.field == "name"
    # Another organization's vendor is refused as this asset's vendor.
    from hipaaops.vendors import services as vendor_services

    theirs = vendor_services.create_vendor(outsider, name="Their vendor")
    with pytest.raises(DomainError) as raised:
        services.update_asset(officer, ehr, vendor=theirs.pk)
    assert raised.value.field == "vendor"
    updated = services.update_asset(officer, ehr, criticality="critical", expected_version=1)
    assert updated.version == 2
    with pytest.raises(DomainError) as raised:
        services.update_asset(officer, ehr, criticality="low", expected_version=1)
    assert raised.value.field == "version"
    assert AuditEntry.objects.filter(object_type="inventory.asset", action="update").exists()


def test_disposal_is_recorded_once_with_its_facts(officer: Any) -> None:
    disk = _asset(officer, "Old disk", asset_type="removable_media")
    today = timezone.localdate()
    with pytest.raises(DomainError) as raised:
        services.dispose_asset(officer, disk, method="burn", disposed_on=today, performed_by="IT")
    assert raised.value.field == "method"
    with pytest.raises(DomainError) as raised:
        services.dispose_asset(
            officer,
            disk,
            method="destroy",
            disposed_on=today + timedelta(days=1),
            performed_by="IT",
        )
    assert raised.value.field == "disposed_on"
    with pytest.raises(DomainError) as raised:
        services.dispose_asset(
            officer, disk, method="vendor_certificate", disposed_on=today, performed_by="Shredco"
        )
    assert raised.value.field == "certificate"
    done = services.dispose_asset(
        officer, disk, method="purge", disposed_on=today, performed_by="IT", notes="Secure erase"
    )
    assert done.lifecycle == "disposed" and done.disposal["method"] == "purge"
    with pytest.raises(DomainError):
        services.update_asset(officer, done, name="Renamed")
    with pytest.raises(DomainError):
        services.dispose_asset(officer, done, method="purge", disposed_on=today, performed_by="IT")


def test_flows_stay_within_one_organization(cast: Any, officer: Any, outsider: Any) -> None:
    ehr = _asset(officer, "EHR")
    lab = _asset(officer, "Lab interface", asset_type="server")
    theirs = _asset(outsider, "Their server", asset_type="server")
    with pytest.raises(DomainError) as raised:
        services.create_flow(officer, source=ehr.pk, target=theirs.pk)
    assert raised.value.field == "target"
    with pytest.raises(DomainError) as raised:
        services.create_flow(officer, source=theirs.pk, target=ehr.pk)
    assert raised.value.field == "source"
    with pytest.raises(DomainError) as raised:
        services.create_flow(officer, source=ehr.pk)
    assert raised.value.field == "target"
    with pytest.raises(DomainError) as raised:
        services.create_flow(officer, source=ehr.pk, target=ehr.pk)
    assert raised.value.field == "target"
    with pytest.raises(DomainError) as raised:
        services.create_flow(officer, source=ehr.pk, target=lab.pk, outside_party="Lab")
    assert raised.value.field == "outside_party"
    with pytest.raises(DomainError) as raised:
        services.create_flow(officer, source=ehr.pk, target=lab.pk, encrypted="sometimes")
    assert raised.value.field == "encrypted"
    assert not DataFlow.objects.exists()
    flow = services.create_flow(
        officer, source=ehr.pk, target=lab.pk, ephi_kinds=["results"], encrypted="no"
    )
    out = services.create_flow(
        officer, source=lab.pk, outside_party="Reference lab", encrypted="yes"
    )
    assert str(flow) == "EHR → Lab interface" and out.destination == "Reference lab"
    with pytest.raises(DomainError) as raised:
        services.update_flow(officer, flow, target=theirs.pk)
    assert raised.value.field == "target"


def test_observations_come_from_the_inventory(cast: Any, officer: Any) -> None:
    _asset(officer, "Laptop", asset_type="endpoint", encrypted_at_rest="no", owner=cast.officer.pk)
    _asset(
        officer,
        "Share",
        asset_type="file_share",
        encrypted_at_rest="yes",
        backup="none",
        owner=cast.officer.pk,
    )
    _asset(
        officer,
        "Mystery box",
        asset_type="server",
        holds_ephi="unknown",
        ephi_kinds=[],
        owner=cast.officer.pk,
    )
    _asset(
        officer,
        "Tickets",
        asset_type="support_tool",
        encrypted_at_rest="yes",
        backup="vendor",
        owner=cast.officer.pk,
    )
    old = _asset(
        officer,
        "Old server",
        asset_type="server",
        encrypted_at_rest="yes",
        backup="local",
        owner=cast.officer.pk,
    )
    services.update_asset(officer, old, lifecycle="retired")
    safe = _asset(
        officer, "Safe EHR", encrypted_at_rest="yes", backup="offsite", owner=cast.officer.pk
    )
    services.create_flow(
        officer, source=safe.pk, outside_party="Lab", ephi_kinds=["results"], encrypted="no"
    )
    found = {(o.observation.subject, o.observation.key) for o in selectors.observations(cast.org)}
    assert ("Laptop", "unencrypted_portable") in found
    assert ("Share", "no_backup") in found
    assert ("Mystery box", "ephi_unknown") in found
    assert ("Tickets", "ephi_in_secondary_store") in found
    assert ("Old server", "retired_not_disposed") in found
    assert ("Safe EHR → Lab", "unencrypted_flow") in found
    assert not any(subject == "Safe EHR" for subject, _ in found)


def test_import_loads_all_or_nothing_and_names_every_bad_row(cast: Any, officer: Any) -> None:
    bad = (
        b"name,asset_type,holds_ephi,owner,records\n"
        b"EHR,application,yes,bob@acme.test,100\n"
        b"Laptop,toaster,maybe,nobody@else.test,lots\n"
        b"EHR,server,no,,\n"
    )
    report = services.import_assets(officer, bad, filename="assets.csv")
    assert not report.imported and not Asset.objects.exists()
    text = "\n".join(report.errors)
    for expected in (
        "line 3, asset_type",
        "line 3, holds_ephi",
        "line 3, owner",
        "line 3, records",
        "line 4, name",
    ):
        assert expected in text, text
    with pytest.raises(DomainError) as raised:
        services.import_assets(officer, b"name,asset_type,colour\nX,server,red\n", filename="a.csv")
    assert "unknown column colour" in raised.value.message
    good = "name,asset_type,holds_ephi,ephi_kinds,owner\nEHR,application,yes,clinical;billing,bob@acme.test\nLab,server,no,,\n"
    dry = services.import_assets(officer, good.encode(), dry_run=True)
    assert dry.rows == 2 and not dry.imported and not Asset.objects.exists()
    assert services.import_assets(officer, good.encode()).imported
    assert Asset.objects.get(name="EHR").ephi_kinds == ["clinical", "billing"]
    flows = b"source,target,outside_party,encrypted\nEHR,Lab,,yes\nEHR,Nowhere,,yes\nLab,,,no\n"
    report = services.import_flows(officer, flows)
    assert not report.imported and not DataFlow.objects.exists()
    assert any(e.startswith("line 3, target") for e in report.errors), report.errors
    assert any(e.startswith("line 4, target") for e in report.errors), report.errors
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["source", "target", "ephi_kinds", "encrypted"])
    ws.append(["EHR", "Lab", "results", "yes"])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert services.import_flows(officer, buffer.getvalue(), filename="flows.xlsx").rows == 1


def test_map_is_drawn_and_groups_a_large_inventory(cast: Any, officer: Any) -> None:
    ehr = _asset(officer, "EHR", hosting="vendor")
    pc = _asset(officer, "PC", asset_type="endpoint")
    services.create_flow(
        officer, source=pc.pk, target=ehr.pk, ephi_kinds=["clinical"], encrypted="no"
    )
    services.create_flow(
        officer, source=ehr.pk, outside_party="Lab", ephi_kinds=["results"], encrypted="yes"
    )
    graph = selectors.map_graph(cast.org)
    assert not graph.grouped and {n.label for n in graph.nodes} == {"EHR", "PC", "Lab"}
    edge = next(e for e in graph.edges if e.target == f"a{ehr.pk}")
    assert edge.ephi and edge.encrypted == "no"
    svg = maps.draw(graph)
    assert svg.startswith(b"<?xml") and b"EHR" in svg and b"Outside parties" in svg
    grouped = selectors.map_graph(cast.org, limit=1)
    assert grouped.grouped
    assert {(n.label, n.count) for n in grouped.nodes} >= {("Application", 1), ("Endpoint", 1)}


def test_pages_and_exports(cast: Any, officer: Any, client_for: Any) -> None:
    ehr = _asset(officer, "EHR")
    client = client_for(cast.officer)
    base = f"/o/{cast.org.slug}/inventory/"
    assert b"EHR" in client.get(base).content
    assert client.get(f"{base}assets/{ehr.pk}/").status_code == 200
    bad = client.post(base, {"form": "asset", "name": "", "asset_type": "server"})
    assert bad.status_code == 400
    made = client.post(
        base,
        {
            "form": "asset",
            "name": "NAS",
            "asset_type": "file_share",
            "hosting": "on_premises",
            "holds_ephi": "yes",
            "ephi_kinds": ["clinical"],
            "encrypted_at_rest": "no",
            "encrypted_in_transit": "yes",
            "backup": "local",
            "criticality": "high",
            "lifecycle": "in_use",
        },
    )
    assert made.status_code == 302, made.content[:500]
    nas = Asset.objects.get(name="NAS")
    assert (
        client.post(
            f"{base}flows/",
            {"source": nas.pk, "target": ehr.pk, "encrypted": "maybe", "frequency": "daily"},
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{base}flows/",
            {
                "source": nas.pk,
                "target": ehr.pk,
                "encrypted": "no",
                "frequency": "daily",
                "ephi_kinds": ["clinical"],
            },
        ).status_code
        == 302
    )
    assert b"NAS" in client.get(f"{base}observations/").content
    assert client.get(f"{base}map/").status_code == 200
    svg = client.get(f"{base}map.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"NAS" in svg.content
    csv = client.get(f"{base}assets.csv")
    assert csv.status_code == 200 and b"NAS,file_share" in b"".join(
        csv.streaming_content if csv.streaming else [csv.content]
    )
    assert client.get(f"{base}flows.xlsx").status_code == 200
    upload = client.post(
        base,
        {
            "form": "import",
            "kind": "assets",
            "file": io.BytesIO(b"name,asset_type\nA,bogus\n"),
            "dry_run": "on",
        },
    )
    assert upload.status_code == 400 and b"line 2, asset_type" in upload.content
    # Other organizations and roles.
    assert client_for(cast.outsider).get(f"{base}assets/{ehr.pk}/").status_code == 404
    assert (
        client_for(cast.auditor)
        .post(base, {"form": "asset", "name": "Z", "asset_type": "server"})
        .status_code
        == 403
    )


def test_api(cast: Any, officer: Any) -> None:
    from hipaaops.api.services import create_token

    issued = create_token(actor=cast.officer, user=cast.officer, organization=cast.org, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    client = Client()
    base = f"/api/v1/orgs/{cast.org.slug}/inventory"
    made = client.post(
        f"{base}/assets",
        {
            "name": "EHR",
            "asset_type": "application",
            "holds_ephi": "yes",
            "ephi_kinds": ["clinical"],
        },
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    aid = made.json()["id"]
    bad = client.post(
        f"{base}/assets",
        {"name": "X", "asset_type": "toaster"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400
    assert [f["field"] for f in bad.json()["error"]["fields"]] == ["asset_type"]
    lab = client.post(
        f"{base}/assets",
        {"name": "Lab", "asset_type": "server"},
        content_type="application/json",
        **headers,
    ).json()
    flow = client.post(
        f"{base}/flows",
        {"source": aid, "target": lab["id"], "ephi_kinds": ["results"], "encrypted": "no"},
        content_type="application/json",
        **headers,
    )
    assert flow.status_code == 201
    listed = client.get(f"{base}/assets", **headers).json()
    assert listed["count"] == 2
    patched = client.patch(
        f"{base}/assets/{aid}",
        {"criticality": "critical", "expected_version": 1},
        content_type="application/json",
        **headers,
    )
    assert patched.json()["criticality"] == "critical"
    obs = client.get(f"{base}/observations", **headers).json()
    assert any(o["key"] == "unencrypted_flow" for o in obs)
    other = client.get(f"/api/v1/orgs/{cast.other_org.slug}/inventory/assets", **headers)
    assert other.status_code in (403, 404)


def test_rules_are_data() -> None:
    assert "log_store" in rules.keys("asset_types")
    assert rules.less_obvious_types() >= {"log_store", "support_tool", "analytics", "backup"}
    assert rules.criticality_rank("critical") > rules.criticality_rank("low")
    assert rules.check_kinds("clinical; billing") == ["clinical", "billing"]
    with pytest.raises(rules.InventoryInputError):
        rules.check_kinds(["made_up"])
