// The client's rights on the JVM, through the screen models against the real
// library and a real relay: resume asks about what was held back, leave and erase
// each need their confirmation, joining offers check-ins made while not paired
// (kept by default), a client who accepted consent v1 is asked again once, and the
// crisis country chosen at join (and changed later) decides the crisis lines.
// What reached the therapist is checked on the therapist's own dashboard.
// Defined here, run by ScreenTests' main.
package app.rapport.jvmtests

import app.rapport.core.Problem
import app.rapport.core.screens.ConsentUpdateModel
import app.rapport.core.screens.EraseReach
import app.rapport.core.screens.JoinScreenModel
import app.rapport.core.screens.PracticeSetupModel
import app.rapport.core.screens.RightsAction
import kotlinx.coroutines.runBlocking
import uniffi.rapport_ffi.ClientStatus
import uniffi.rapport_ffi.Membership

/** Sets the therapist up and returns an invite for "N.P."; the client has not joined. */
private fun Practice.inviteOnly(): String = runBlocking {
    val setup = PracticeSetupModel(therapist)
    setup.editRelayUrl(relay.url)
    setup.editName("Dr. Rivera")
    setup.setUp()
    setup.editLabel("N.P.")
    setup.invite()
    setup.state.value.invite?.uri ?: throw AssertionError("no invite: ${setup.state.value.problem}")
}

/** Marks the client's account as having accepted consent [version], as every client who joined before v2 did (a cleartext column). */
private fun Practice.acceptedConsentBefore(version: Int) {
    val update = ProcessBuilder(
        "python3", "-c",
        "import sqlite3, sys\n" +
            "c = sqlite3.connect(sys.argv[1])\n" +
            "n = c.execute('UPDATE account SET consent_version = ? WHERE id = 1', (int(sys.argv[2]),)).rowcount\n" +
            "c.commit()\n" +
            "sys.exit(0 if n == 1 else 3)",
        clientPath, version.toString(),
    ).redirectErrorStream(true).start()
    val output = update.inputStream.bufferedReader().readText()
    check(update.waitFor() == 0) { "could not mark consent v$version: $output" }
}

private fun Practice.therapistStatus(): ClientStatus = runBlocking {
    therapist.sync(http)
    therapist.insights().single().status
}

fun defineRightsTests(suite: Suite, relay: LocalRelay) = with(suite) {
    test("resume asks: what was held back during the pause is offered with its dates, and keeping it sends nothing") {
        val p = Practice(relay).apply { pair() }
        val rights = p.rights()
        runBlocking {
            rights.ask(RightsAction.PAUSE)
            assertEqual(RightsAction.PAUSE, rights.state.value.confirming, "pausing asks first")
            rights.confirm()
        }
        check(rights.state.value.paused) { "${rights.state.value}" }
        p.checkInScreen(daysAgo = 8).checkIn(heard = 2, hopeful = 3, note = "kept back")
        p.checkInScreen(daysAgo = 1).checkIn(heard = 3, hopeful = 3)
        assertEqual(0, p.therapistPoints(), "nothing shared while paused")
        runBlocking { rights.ask(RightsAction.RESUME) }
        val question = rights.state.value
        assertEqual(RightsAction.RESUME, question.confirming, "resuming asks")
        val held = question.held ?: throw AssertionError("no held check-ins offered")
        assertEqual(
            Triple(2u, utcToday().minusDays(8).toString(), utcToday().minusDays(1).toString()),
            Triple(held.count, held.firstSession, held.lastSession),
            "how many and which sessions",
        )
        runBlocking { rights.confirm(sendHeld = false) }
        assertEqual(Membership.Active(paused = false), rights.state.value.membership, "sharing again")
        assertEqual(RightsAction.RESUME, rights.state.value.done)
        assertEqual(0, p.therapistPoints(), "what was kept stays on the phone")
        p.checkInScreen().checkIn(heard = 4, hopeful = 4)
        assertEqual(1, p.therapistPoints(), "only the check-in made after resuming arrives")
        assertEqual(3, p.rights().state.value.checkinsOnPhone, "all three are still on the phone")
    }

    test("resume asks: choosing send delivers what was held back") {
        val p = Practice(relay).apply { pair() }
        val rights = p.rights()
        runBlocking {
            rights.ask(RightsAction.PAUSE)
            rights.confirm()
        }
        p.checkInScreen(daysAgo = 2).checkIn(heard = 3, hopeful = 4)
        p.checkInScreen().checkIn(heard = 4, hopeful = 4)
        assertEqual(0, p.therapistPoints(), "nothing shared while paused")
        runBlocking {
            rights.ask(RightsAction.RESUME)
            assertEqual(2u, rights.state.value.held?.count, "held")
            rights.confirm(sendHeld = true)
        }
        assertEqual(null, rights.state.value.problem)
        assertEqual(2, p.therapistPoints(), "both sent, as asked")
    }

    test("leave needs its confirmation; after it the client is unpaired, keeps the check-ins, and the therapist sees they left") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen().checkIn(heard = 4, hopeful = 3)
        assertEqual(1, p.therapistPoints())
        val rights = p.rights()
        runBlocking { rights.confirm() }
        assertEqual(Membership.Active(paused = false), p.client.membership(), "confirm without ask does nothing")
        runBlocking { rights.ask(RightsAction.LEAVE) }
        rights.cancel()
        assertEqual(null, rights.state.value.confirming)
        assertEqual(Membership.Active(paused = false), p.client.membership(), "cancelled: still paired")
        p.online = false
        runBlocking {
            rights.ask(RightsAction.LEAVE)
            rights.confirm()
        }
        assertEqual(Problem.Kind.OFFLINE, rights.state.value.problem?.kind, "offline: the leave cannot reach the therapist")
        assertEqual(RightsAction.LEAVE, rights.state.value.confirming, "still asking, to try again")
        assertEqual(Membership.Active(paused = false), p.client.membership(), "nothing changed offline")
        p.online = true
        runBlocking { rights.confirm() }
        val left = rights.state.value
        assertEqual(null, left.problem)
        assertEqual(RightsAction.LEAVE to null, left.done to left.confirming)
        assertEqual(Membership.NotJoined, left.membership, "unpaired")
        assertEqual(null, p.client.account(), "no account left for the old therapist")
        assertEqual(1, left.checkinsOnPhone, "the check-in stays on the phone")
        check(!left.canDo(RightsAction.LEAVE) && !left.canDo(RightsAction.PAUSE)) { "nothing to leave or pause" }
        check(p.therapistStatus() is ClientStatus.Left) { "the therapist is told" }
        assertEqual(1, p.therapistPoints(), "what they received stays with them")
    }

    test("erase states what it will reach while paired, then empties the phone and the therapist's copy") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen(daysAgo = 1).checkIn(heard = 4, hopeful = 3, note = "mine")
        p.checkInScreen().checkIn(heard = 3, hopeful = 3)
        assertEqual(2, p.therapistPoints())
        val rights = p.rights()
        runBlocking { rights.ask(RightsAction.ERASE) }
        val asking = rights.state.value
        assertEqual(RightsAction.ERASE, asking.confirming, "erasing asks first")
        assertEqual(EraseReach(checkinsOnPhone = 2, reachesTherapist = true), asking.eraseReach, "what it reaches")
        rights.cancel()
        assertEqual(2, p.rights().state.value.checkinsOnPhone, "cancelled: nothing erased")
        runBlocking {
            rights.ask(RightsAction.ERASE)
            rights.confirm()
        }
        val erased = rights.state.value
        assertEqual(null, erased.problem)
        assertEqual(RightsAction.ERASE, erased.done)
        assertEqual(Membership.NotJoined, erased.membership, "wiped after the sync delivered the erase")
        assertEqual(0, erased.checkinsOnPhone, "nothing left on the phone")
        assertEqual(emptyList(), p.client.history(null, 100u).checkins)
        check(p.therapistStatus() is ClientStatus.Erased) { "the therapist's device is told" }
        assertEqual(0, p.therapistPoints(), "the therapist's copy is deleted too")
    }

    test("erase after leaving says it reaches no therapist, and the former therapist keeps what they received") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen().checkIn(heard = 4, hopeful = 4)
        assertEqual(1, p.therapistPoints())
        val rights = p.rights()
        runBlocking {
            rights.ask(RightsAction.LEAVE)
            rights.confirm()
            rights.ask(RightsAction.ERASE)
        }
        assertEqual(EraseReach(checkinsOnPhone = 1, reachesTherapist = false), rights.state.value.eraseReach)
        runBlocking { rights.confirm() }
        assertEqual(0, rights.state.value.checkinsOnPhone, "the phone is empty at once")
        assertEqual(1, p.therapistPoints(), "the erase does not reach a therapist who was left")
    }

    test("export asks first, then gives the whole history as a JSON file to save") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen().checkIn(heard = 4, hopeful = 4, note = "only for me")
        val rights = p.rights()
        assertEqual(null, rights.state.value.export)
        runBlocking {
            rights.ask(RightsAction.EXPORT)
            assertEqual(null, rights.state.value.export, "not before the confirmation")
            rights.confirm()
        }
        val file = rights.state.value.export ?: throw AssertionError("no export: ${rights.state.value.problem}")
        assertEqual("rapport-export-${utcToday()}.json" to "application/json", file.fileName to file.mimeType)
        check(file.text.contains("rapport-export/1") && file.text.contains("only for me")) { file.text.take(200) }
        rights.exportHandled()
        assertEqual(null, rights.state.value.export, "the plaintext is not kept once saved")
    }

    test("joining offers the check-ins made while not paired, with count and dates, and keeps them on the phone by default") {
        val p = Practice(relay)
        p.checkInScreen(daysAgo = 9).checkIn(heard = 3, hopeful = 3)
        p.checkInScreen(daysAgo = 2).checkIn(heard = 4, hopeful = 3)
        val uri = p.inviteOnly()
        val join = JoinScreenModel(p.client, LOCALE)
        runBlocking { join.load() }
        val offered = join.state.value.held ?: throw AssertionError("no held check-ins offered: ${join.state.value}")
        assertEqual(
            Triple(2u, utcToday().minusDays(9).toString(), utcToday().minusDays(2).toString()),
            Triple(offered.count, offered.firstSession, offered.lastSession),
        )
        check(!join.state.value.shareHeld) { "keeping them is the default" }
        join.editInvite(uri)
        join.acceptConsent(true)
        runBlocking { join.join() }
        check(join.state.value.joined) { "${join.state.value.problem}" }
        runBlocking { p.therapist.sync(p.http) }
        p.checkInScreen().checkIn(heard = 5, hopeful = 4)
        assertEqual(1, p.therapistPoints(), "only the check-in made after joining reaches the new therapist")
    }

    test("joining shares the check-ins made while not paired only when the client chooses to") {
        val p = Practice(relay)
        p.checkInScreen(daysAgo = 3).checkIn(heard = 3, hopeful = 3)
        p.pair { shareHeld(true) }
        runBlocking { p.client.sync(p.http) }
        assertEqual(1, p.therapistPoints(), "shared, as chosen")
        val fresh = Practice(relay).apply { pair() }
        val join = JoinScreenModel(fresh.client, LOCALE)
        runBlocking { join.load() }
        assertEqual(null, join.state.value.held, "no question without held check-ins")
    }

    test("a client who accepted consent v1 is asked once to accept the current text, losing nothing") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen(daysAgo = 7).checkIn(heard = 4, hopeful = 4)
        p.online = false
        p.checkInScreen(daysAgo = 1).checkIn(heard = 3, hopeful = 3) // waiting in the outbox
        p.acceptedConsentBefore(1)
        val update = ConsentUpdateModel(p.client, LOCALE)
        runBlocking { update.load() }
        val asked = update.state.value
        check(asked.mustAccept) { "a v1 client must be asked: $asked" }
        assertEqual(1u, asked.acceptedVersion)
        check(asked.consentText.contains("Erase everything")) { "the current text is shown" }
        val refused = p.checkInScreen().checkIn(heard = 4, hopeful = 4)
        assertEqual(Problem.Kind.CONSENT_REQUIRED, refused.problem?.kind, "no new check-in before accepting")
        check(!asked.canAccept) { "accepting waits for the tick" }
        runBlocking { update.accept() }
        check(update.state.value.mustAccept) { "not accepted without agreeing" }
        update.agree(true)
        runBlocking { update.accept() }
        assertEqual(null, update.state.value.problem)
        check(!update.state.value.mustAccept)
        val again = ConsentUpdateModel(p.client, LOCALE)
        runBlocking { again.load() }
        check(!again.state.value.mustAccept) { "asked once" }
        assertEqual(2, p.rights().state.value.checkinsOnPhone, "every check-in kept")
        assertEqual(Membership.Active(paused = false), p.client.membership(), "the pairing kept")
        p.online = true
        p.checkInScreen().checkIn(heard = 4, hopeful = 4)
        assertEqual(3, p.therapistPoints(), "the waiting check-in and the new one arrive")
    }

    test("the crisis country is pre-selected from the region, the client's choice at join overrides it, and it can change later") {
        val p = Practice(relay)
        p.pair {
            assertEqual("US", state.value.crisisCountry, "pre-selected from $LOCALE")
            check(state.value.countries.any { it.code == "IE" }) { "IE in the picker" }
            chooseCrisisCountry("IE")
        }
        val screen = p.checkInScreen()
        runBlocking { screen.load() }
        screen.needSupportNow()
        assertEqual("IE", screen.state.value.crisis?.region, "the chosen country, not the locale's")
        val rights = p.rights()
        assertEqual("IE" to true, rights.state.value.crisisCountry to rights.state.value.crisisCountryChosen)
        runBlocking { rights.chooseCrisisCountry("GB") }
        assertEqual("GB", rights.state.value.crisisCountry)
        screen.dismissCrisis()
        screen.needSupportNow()
        assertEqual("GB", screen.state.value.crisis?.region, "changed later")
        val low = p.checkInScreen(daysAgo = 1).checkIn(heard = 3, hopeful = 1)
        assertEqual("GB", low.crisis?.region, "a low rating's sheet too")
    }
}
