"""The offline visit kit in the browser (issue "The offline visit kit"): a monitor logs in with a
second factor, opens /field/, protects the device with a passphrase, goes offline and reloads,
captures a whole visit, and syncs it once the network is back, through a lost answer; a visit
changed on the server meanwhile comes back as a conflict the monitor resolves field by field.

What the device stores is read back from IndexedDB, the Cache Storage and localStorage: the
person's name and the allegation's account are in none of them.
"""

import json

import pytest

from cases.models import Allegation, Victim
from facilities import services as facility_services
from facilities.models import Recommendation, Visit, VisitFinding, VisitTeamMember
from facilities.tests.factories import make_facility
from npm_tracker.tests.browser.helpers import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSPHRASE = "a long passphrase for the gate"
VICTIM = "Сейткали Нурлан Ержанович"
SUMMARY = "Beaten with a baton in the corridor of block 2 after the evening count."
SPECIAL_VISIT = "Special preventive visit (on reports of torture or ill-treatment)"
ON_THE_TABLET = "Night visit; the duty officer delayed us 40 minutes."
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}

# Everything the field kit can have left in the browser's storage, as text: IndexedDB (the
# meta store and the sealed boxes, bytes decoded as UTF-8), every Cache Storage entry's body,
# localStorage and sessionStorage.
READ_STORAGE = """async () => {
  const out = [];
  const text = (v) => v instanceof Uint8Array ? new TextDecoder().decode(v)
    : v instanceof ArrayBuffer ? new TextDecoder().decode(new Uint8Array(v))
    : JSON.stringify(v, (k, x) => x instanceof Uint8Array ? new TextDecoder().decode(x) : x);
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("npm-field"); r.onsuccess = () => ok(r.result); r.onerror = no; });
  let boxes = 0;
  for (const name of db.objectStoreNames) {
    const all = await new Promise((ok) => {
      const r = db.transaction(name).objectStore(name).getAll();
      r.onsuccess = () => ok(r.result);
    });
    for (const value of all) {
      out.push(text(value));
      if (value && value.ct) { boxes += 1; out.push(text(value.ct)); }
    }
  }
  db.close();
  let cached = 0;
  for (const key of await caches.keys()) {
    const cache = await caches.open(key);
    for (const request of await cache.keys()) {
      cached += 1;
      out.push(request.url, await (await cache.match(request)).text());
    }
  }
  out.push(JSON.stringify(localStorage), JSON.stringify(sessionStorage));
  return {text: out.join("\\n"), boxes, cached};
}"""


@pytest.fixture
def monitor(reference):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from conftest import make_staff

    user = make_staff("dana", "KZ", roles=("monitor",), direct_permissions=False)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def choose(page, selector, label):
    page.locator(selector).select_option(label=label)


def protect(page):
    """The first opening on a device: a passphrase is chosen (typed twice)."""
    page.locator("#passphrase").fill(PASSPHRASE)
    page.locator("#again").fill(PASSPHRASE)
    page.get_by_role("button", name="Protect this device").click()
    page.get_by_role("button", name="Start a visit").wait_for()


def unlock(page, passphrase=PASSPHRASE):
    page.locator("#passphrase").fill(passphrase)
    page.get_by_role("button", name="Unlock").click()


def start_a_visit(page):
    """A new special visit to the seeded facility, from the main screen."""
    page.get_by_role("button", name="Start a visit").click()
    choose(page, "#f-facility", "ИВС ДП г. Астаны (KZ, Temporary detention facility (IVS))")
    choose(page, "#f-visit_type", SPECIAL_VISIT)
    page.locator("#f-started_on").fill("2026-11-30")
    page.get_by_role("button", name="Start the visit").click()
    page.get_by_role("button", name="Save the visit").wait_for()


def no_sideways_scroll(page, name):
    for size, suffix in ((PHONE, "phone"), (TABLET, "tablet")):
        page.set_viewport_size(size)
        content, window = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert content <= window + 1, f"{name} scrolls sideways at {size['width']}px ({content})"
        page.evaluate("() => window.scrollTo(0, 0)")
        screenshot(page, f"field-{name}-{suffix}")
    page.set_viewport_size(TABLET)


def wait_for_notice(page, text):
    page.locator(".notice", has_text=text).wait_for(timeout=30_000)


def test_a_visit_captured_offline_is_synced_once_and_a_conflict_loses_nothing(
    page, monitor, reference
):
    from conftest import make_staff

    make_facility("KZ", name="ИВС ДП г. Астаны")
    head = make_staff("aigerim", "KZ")
    log_in(page, monitor)
    page.set_viewport_size(TABLET)
    page.goto("/field/")

    # First opening: the device is protected with a passphrase.
    protect(page)
    assert page.evaluate("async () => !!(await navigator.serviceWorker.ready).active")
    page.wait_for_function(
        "async () => (await caches.match('/field/data/')) !== undefined", polling=200
    )

    # No network from here: the app opens from its cache, and asks for the passphrase.
    page.context.set_offline(True)
    page.reload()
    assert page.locator("#net").inner_text() == "offline"
    unlock(page, "not the passphrase")
    page.get_by_text("Wrong passphrase. 4 attempts left").wait_for()
    unlock(page)
    start_a_visit(page)

    # The server's rules, applied offline: an end before the start is refused, in place.
    page.locator("#f-ended_on").fill("2026-11-29")
    page.get_by_role("button", name="Save the visit").click()
    page.get_by_text("A visit cannot end before it starts.").wait_for()
    page.locator("#f-ended_on").fill("2026-11-30")
    page.locator("#f-persons_held").fill("14")
    page.locator("#f-interviews_private").fill("6")
    page.locator("#f-summary").fill("Night visit after calls to the hotline.")
    page.locator("input[name='team.0.full_name']").fill("Гульнара Бекова")
    page.locator("select[name='team.0.role']").select_option("doctor")
    page.get_by_role("button", name="Save the visit").click()
    wait_for_notice(page, "The visit is saved on this device.")
    no_sideways_scroll(page, "visit")

    findings = (("Treatment", "Bruises on two detainees."), ("Material", "Cold cells."))
    for added, (area, text) in enumerate(findings, start=1):
        form = page.locator("#add-finding")
        form.locator("select[name=area]").select_option(
            label=next(o for o in form.locator("option").all_inner_texts() if o.startswith(area))
        )
        form.locator("textarea[name=text]").fill(text)
        form.get_by_role("button", name="Add the finding").click()
        page.locator(f"#findings > li:nth-child({added})").wait_for()
    form = page.locator("#add-recommendation")
    form.locator("select[name=addressee_agency]").select_option(index=1)
    form.locator("select[name=area]").select_option(index=1)
    form.locator("textarea[name=text]").fill("Stop the beatings in block 2.")
    form.get_by_role("button", name="Add the recommendation").click()
    page.locator("#recommendations > li").wait_for()

    page.get_by_role("button", name="Record an allegation").click()
    form = page.locator("#allegation-form")
    form.locator("select[name=place_of_incident]").select_option(index=1)
    form.locator("textarea[name=summary]").fill(SUMMARY)
    form.locator("input[name=methods]").first.check()
    form.locator("input[name='victim.full_name']").fill(VICTIM)
    form.locator("select[name='victim.sex']").select_option("male")
    form.locator("input[name='consent.prosecutor']").check()
    no_sideways_scroll(page, "allegation")
    form.get_by_role("button", name="Save the allegation").click()
    wait_for_notice(page, "The allegation is saved on this device.")
    page.locator("#allegations > li").wait_for()

    # What the browser holds: sealed boxes, the cached shell and vocabularies, no person.
    stored = page.evaluate(READ_STORAGE)
    assert stored["boxes"] >= 1 and stored["cached"] >= 5, stored["boxes"]
    assert "ИВС ДП г. Астаны" in stored["text"]  # the facility list is cached, and read here
    for secret in (VICTIM, SUMMARY, "Сейткали", "baton", "Bruises", "Гульнара"):
        assert secret not in stored["text"], secret
    assert not Visit.objects.exists()

    # The network is back; the first answer is lost on the way (the server applied it).
    sent = []

    def lose_the_first_answer(route):
        sent.append(json.loads(route.request.post_data))
        if len(sent) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/sync/", lose_the_first_answer)
    page.get_by_role("button", name="Back").click()
    page.context.set_offline(False)
    wait_for_notice(page, "records synced")
    assert len(sent) == 2 and sent[0] == sent[1], sent
    assert len(sent[0]["operations"]) == 5
    assert Visit.objects.count() == 1 and Allegation.objects.count() == 1
    assert Victim.objects.count() == 1 and VisitFinding.objects.count() == 2
    assert Recommendation.objects.count() == 1
    visit = Visit.objects.get()
    allegation = Allegation.objects.get()
    assert allegation.visit == visit and allegation.summary == SUMMARY
    assert [(m.full_name, m.role) for m in visit.team.all()] == [("Гульнара Бекова", "doctor")]
    assert allegation.victim.full_name == VICTIM and allegation.consent_map["prosecutor"] is True
    assert (visit.persons_held, visit.interviews_private, visit.ended_on.isoformat()) == (
        14,
        6,
        "2026-11-30",
    )
    # Written in the monitor's own requests: the audit trail names the monitor (the admin's
    # session middleware records the user) and the sync route.
    contexts = {
        (row.pgh_context.metadata.get("user"), row.pgh_context.metadata.get("url"))
        for model in (Visit, VisitTeamMember, VisitFinding, Recommendation, Allegation)
        for row in model.history.rel.related_model.objects.all()
    }
    assert contexts == {(monitor.pk, "/api/v1/sync/")}, contexts
    page.get_by_text("Nothing waiting to be synced.").wait_for()
    no_sideways_scroll(page, "home")

    # The same batch once more, as sent: the same answer, nothing new.
    again = page.evaluate(
        """async (body) => {
          const s = await (await fetch('/field/session/')).json();
          const r = await fetch('/api/v1/sync/', {method: 'POST', body: JSON.stringify(body),
            headers: {'Content-Type': 'application/json', 'X-CSRFToken': s.csrf_token}});
          return [r.status, (await r.json()).results.map((x) => x.status)];
        }""",
        sent[0],
    )
    assert again == [200, [201] * 5]
    assert (Visit.objects.count(), Allegation.objects.count(), Victim.objects.count()) == (1, 1, 1)
    assert VisitFinding.objects.count() == 2 and Recommendation.objects.count() == 1

    # The office changes the visit; the tablet, offline, changes it too.
    facility_services.visit_update(
        actor=head, visit=visit, summary="Report drafted at the office.", persons_held=15
    )
    page.context.set_offline(True)
    page.get_by_role("button", name="ИВС ДП г. Астаны").click()
    page.locator("#f-summary").fill(ON_THE_TABLET)
    page.locator("#f-interviews_group").fill("2")
    page.get_by_role("button", name="Save the visit").click()
    wait_for_notice(page, "The visit is saved on this device.")
    page.get_by_role("button", name="Back").click()
    page.context.set_offline(False)
    wait_for_notice(page, "choose what to keep")
    visit.refresh_from_db()
    assert visit.summary == "Report drafted at the office." and visit.interviews_group == 0

    page.get_by_role("button", name="Resolve conflicts").click()
    row = page.locator("fieldset[data-field=summary]")
    row.get_by_text(f"On this device: {ON_THE_TABLET}").wait_for()
    row.get_by_text("On the server: Report drafted at the office.").wait_for()
    # Only what both changed is asked; the office's persons held is taken as it is.
    assert page.locator("fieldset[data-field]").count() == 1
    no_sideways_scroll(page, "conflict")
    row.get_by_label("On this device", exact=False).check()
    page.get_by_role("button", name="Keep my choices").click()
    page.get_by_text("Nothing waiting to be synced.").wait_for(timeout=30_000)
    visit.refresh_from_db()
    assert visit.summary == ON_THE_TABLET
    assert (visit.persons_held, visit.interviews_group) == (15, 2)


def storage_is_empty(page):
    return page.evaluate(
        """async () => [
          (await indexedDB.databases()).map((d) => d.name),
          await caches.keys(),
          (await navigator.serviceWorker.getRegistrations()).length,
        ]"""
    ) == [[], [], 0]


def test_a_tampered_record_is_refused_a_revoked_device_and_wrong_passphrases_wipe_it(
    page, monitor, reference
):
    from fieldkit import services
    from fieldkit.models import Device

    make_facility("KZ", name="ИВС ДП г. Астаны")
    log_in(page, monitor)
    page.set_viewport_size(PHONE)
    page.goto("/field/")
    protect(page)
    start_a_visit(page)
    page.get_by_role("button", name="Back").click()

    # One byte of the sealed visit changed in IndexedDB: refused, with a message, not used.
    page.evaluate(
        """async () => {
          const db = await new Promise((ok) => {
            const r = indexedDB.open("npm-field"); r.onsuccess = () => ok(r.result); });
          const store = db.transaction("records", "readwrite").objectStore("records");
          const boxes = await new Promise((ok) => {
            const r = store.getAll(); r.onsuccess = () => ok(r.result); });
          const box = boxes.find((b) => b.id.startsWith("visit:"));
          box.ct[5] ^= 1;
          await new Promise((ok) => { store.transaction.oncomplete = ok; store.put(box); });
          db.close();
        }"""
    )
    page.reload()
    unlock(page)
    page.get_by_text("A record on this device has been altered and cannot be read").wait_for()
    assert page.get_by_text("No visit yet.").is_visible()

    # A device revoked in the admin wipes itself at its next sync.
    start_a_visit(page)
    page.get_by_role("button", name="Back").click()
    page.get_by_role("button", name="Sync now").click()
    page.get_by_text("Nothing waiting to be synced.").wait_for(timeout=30_000)
    device = Device.objects.get(user=monitor)
    assert device.batches.count() == 1 and device.pending_operations == 0
    services.device_revoke(device=device)
    page.get_by_role("button", name="Sync now").click()
    page.get_by_text("This device was revoked by your NPM").wait_for()
    assert storage_is_empty(page)

    # Protected again, then five wrong passphrases in a row: wiped.
    page.goto("/field/")
    protect(page)
    page.get_by_role("button", name="Lock").click()
    for left in (4, 3, 2, 1):
        unlock(page, "wrong passphrase")
        page.get_by_text(f"Wrong passphrase. {left} attempt").wait_for()
    unlock(page, "wrong passphrase")
    page.get_by_text("Too many wrong passphrases").wait_for()
    assert storage_is_empty(page)
    screenshot(page, "field-wiped-phone")
