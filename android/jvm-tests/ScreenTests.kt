// The Android library's screen models on the JVM, against the real library and
// a real relay: a therapist and a client set up, pair and sync through the
// library's UrlConnectionHttpClient, and each test drives the models the way the Compose
// screens do (taps, then the suspend action), checking what the screen would
// draw. Compiled after TransportTests, against the bindings as they are now.
//
// Usage: ScreenTestsKt <path to the rapport binary>
package app.rapport.jvmtests

import app.rapport.core.Problem
import app.rapport.core.UrlConnectionHttpClient
import app.rapport.core.screens.BriefScreenModel
import app.rapport.core.screens.CheckInScreenModel
import app.rapport.core.screens.CheckInState
import app.rapport.core.screens.DashboardScreenModel
import app.rapport.core.screens.Delivery
import app.rapport.core.screens.GoalsScreenModel
import app.rapport.core.screens.HistoryScreenModel
import app.rapport.core.screens.JoinScreenModel
import app.rapport.core.screens.PracticeSetupModel
import app.rapport.core.screens.RightsScreenModel
import java.time.Duration
import java.time.LocalDate
import java.time.ZoneOffset
import kotlinx.coroutines.runBlocking
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.FlagKind
import uniffi.rapport_ffi.InviteValidity
import uniffi.rapport_ffi.RapportException
import uniffi.rapport_ffi.SafetyReason
import uniffi.rapport_ffi.Severity
import uniffi.rapport_ffi.TherapistApp
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.Trend
import uniffi.rapport_ffi.crisisResources
import uniffi.rapport_ffi.currentInstrument
import uniffi.rapport_ffi.inviteValidity
import uniffi.rapport_ffi.noteLength

/** Low scrypt work factor: these databases protect nothing. */

/** A locale with a region: only a region selects a country's crisis lines. */
internal const val LOCALE = "en-US"

internal fun utcToday(): LocalDate = LocalDate.now(ZoneOffset.UTC)

/** A therapist and a client paired through the screens' own models over a real relay. */
internal class Practice(val relay: LocalRelay) {
    val http = UrlConnectionHttpClient()
    val therapist: TherapistApp = TherapistApp.openWithPassphrase(newPath("therapist.db"), "therapist passphrase", WORK_FACTOR)
    val clientPath = newPath("client.db")
    val client: ClientApp = ClientApp.openWithPassphrase(clientPath, "client passphrase", WORK_FACTOR)
    var online = true
    val clientTransport: () -> HttpClient? = { if (online) http else Offline }

    fun pair(label: String = "J.D.", joinLocale: String = LOCALE, beforeJoin: JoinScreenModel.() -> Unit = {}) = runBlocking {
        val setup = PracticeSetupModel(therapist)
        setup.load()
        setup.editRelayUrl(relay.url)
        setup.editName("Dr. Rivera")
        setup.setUp()
        check(setup.state.value.setUp) { "set-up failed: ${setup.state.value.problem}" }
        setup.editLabel(label)
        setup.invite()
        val uri = setup.state.value.invite?.uri ?: throw AssertionError("no invite: ${setup.state.value.problem}")
        val join = JoinScreenModel(client, joinLocale)
        join.load()
        join.editInvite(uri)
        join.acceptConsent(true)
        join.beforeJoin()
        join.join()
        check(join.state.value.joined) { "join failed: ${join.state.value.problem}" }
        assertEqual(listOf(label), therapist.sync(http).paired, "paired")
    }

    fun rights() = RightsScreenModel(client, LOCALE, clientTransport, today = ::utcToday).also { runBlocking { it.load() } }

    /** The check-ins the therapist has of this client, after syncing. */
    fun therapistPoints(): Int = runBlocking {
        val dashboard = dashboard()
        dashboard.refresh()
        dashboard.state.value.clients.single().points.size
    }

    fun checkInScreen(daysAgo: Long = 0) = CheckInScreenModel(client, LOCALE, clientTransport, today = { utcToday().minusDays(daysAgo) })
    fun history() = HistoryScreenModel(client, LOCALE, clientTransport)
    fun dashboard(locale: String = LOCALE) = DashboardScreenModel(therapist, locale, { http })
    fun brief(locale: String = LOCALE) = BriefScreenModel(therapist, locale, today = ::utcToday)
}

/** Loads the screen, taps the two required items and sends. */
internal fun CheckInScreenModel.checkIn(heard: Int, hopeful: Int, note: String = "", shared: Boolean = false): CheckInState = runBlocking {
    if (state.value.loading) load()
    rate("heard", heard.toUByte())
    rate("hopeful", hopeful.toUByte())
    if (note.isNotEmpty()) editNote(note)
    shareNote(shared)
    send()
    state.value
}

fun defineScreenTests(suite: Suite, relay: LocalRelay) = with(suite) {
    test("a therapist and a client pair and a check-in reaches the dashboard through UrlConnectionHttpClient on a real relay") {
        val p = Practice(relay).apply { pair() }
        val sent = p.checkInScreen().checkIn(heard = 4, hopeful = 3, note = "we talked about work", shared = true)
        assertEqual(Delivery.Sent, sent.delivery, "delivery")
        val dashboard = p.dashboard()
        runBlocking { dashboard.refresh() }
        val row = dashboard.state.value.clients.single()
        assertEqual("J.D.", row.label)
        assertEqual(listOf(4.toUByte() to 3.toUByte()), row.points.map { it.heard to it.hopeful })
        assertEqual(1u, row.unseen, "unseen")
        assertEqual(null, dashboard.state.value.problem)
    }

    test("the join screen names a damaged invite as it is typed and joins only after consent") {
        val p = Practice(relay)
        runBlocking {
            val setup = PracticeSetupModel(p.therapist)
            setup.editRelayUrl(relay.url)
            setup.editName("Dr. Rivera")
            setup.setUp()
            setup.editLabel("A.B.")
            setup.invite()
            val uri = setup.state.value.invite!!.uri
            val join = JoinScreenModel(p.client, LOCALE)
            join.load()
            check(join.state.value.consentText.isNotBlank()) { "no consent text" }
            join.editInvite(uri.dropLast(30))
            assertEqual(Problem.Kind.INVALID_INVITE to "truncated", join.state.value.problem?.kind to join.state.value.problem?.code)
            check(!join.state.value.canJoin)
            join.editInvite(uri)
            assertEqual(relay.url, join.state.value.relayUrl)
            check(!join.state.value.canJoin) { "joining must wait for consent" }
            join.join()
            check(!join.state.value.joined)
            join.acceptConsent(true)
            check(join.state.value.canJoin)
            join.join()
            check(join.state.value.joined) { "${join.state.value.problem}" }
            check(!join.state.value.canJoin) { "joining twice" }
        }
    }

    test("the goals screen sets, rewords, shares and archives goals, and shows the library's refusals as problems") {
        val p = Practice(relay).apply { pair() }
        runBlocking {
            val goals = GoalsScreenModel(p.client)
            goals.load()
            check(!goals.state.value.loading && goals.state.value.active.isEmpty())
            goals.editDraft("   ")
            goals.add()
            assertEqual(Problem.Kind.INVALID_GOAL to "goal_empty", goals.state.value.problem?.kind to goals.state.value.problem?.code)
            goals.editDraft("x".repeat(201))
            assertEqual(null, goals.state.value.problem, "typing clears the problem")
            goals.add()
            assertEqual(Problem.Kind.INVALID_GOAL to "goal_too_long", goals.state.value.problem?.kind to goals.state.value.problem?.code)
            assertEqual(emptyList<String>(), goals.state.value.active.map { it.text }, "nothing was set")
            listOf("Walk to the shop", "Sleep better", "Call my sister").forEachIndexed { i, text ->
                goals.editDraft(text)
                goals.setDraftShared(i != 1)
                goals.setDraftInSession(i == 0)
                goals.add()
                assertEqual(null, goals.state.value.problem, "adding $text")
                assertEqual("", goals.state.value.draft, "draft cleared")
                assertEqual(true to false, goals.state.value.draftShared to goals.state.value.draftInSession, "draft switches reset")
            }
            assertEqual(listOf("Walk to the shop", "Sleep better", "Call my sister"), goals.state.value.active.map { it.text })
            assertEqual(listOf(true, false, true), goals.state.value.active.map { it.shared })
            assertEqual(listOf(true, false, false), goals.state.value.active.map { it.setInSession })
            goals.editDraft("one too many")
            goals.add()
            val refused = goals.state.value.problem
            assertEqual(Problem.Kind.INVALID_GOAL to "too_many_goals", refused?.kind to refused?.code)
            check(refused?.reason?.contains("archive") == true) { "the reason says what to do: ${refused?.reason}" }
            assertEqual("one too many", goals.state.value.draft, "a refused draft stays")
            assertEqual(3, goals.state.value.active.size)
            val first = goals.state.value.active.first()
            goals.reword(first.id, "")
            assertEqual(Problem.Kind.INVALID_GOAL to "goal_empty", goals.state.value.problem?.kind to goals.state.value.problem?.code)
            assertEqual("Walk to the shop", goals.state.value.active.first().text, "a refused rewording changes nothing")
            goals.reword(first.id, "Walk to the shop and back")
            assertEqual(null, goals.state.value.problem)
            assertEqual("Walk to the shop and back", goals.state.value.active.first().text)
            assertEqual(listOf("Walk to the shop"), goals.state.value.active.first().earlierTexts.map { it.text })
            goals.setShared(first.id, false)
            assertEqual(false, goals.state.value.active.first().shared, "kept private")
            goals.archive(first.id)
            assertEqual(listOf("Sleep better", "Call my sister"), goals.state.value.active.map { it.text })
            assertEqual(listOf(first.id), goals.state.value.archived.map { it.id })
            goals.add()
            assertEqual(null, goals.state.value.problem, "a place is free again")
            assertEqual(listOf("Sleep better", "Call my sister", "one too many"), goals.state.value.active.map { it.text })
            goals.archive("018f0000-0000-7000-8000-000000000000")
            assertEqual(Problem.Kind.NOT_FOUND, goals.state.value.problem?.kind, "an unknown goal")
        }
    }

    test("goals are rated 0 to 10 with one tap on the check-in screen, optionally; the dashboard shows shared ones with their change") {
        val p = Practice(relay).apply { pair() }
        runBlocking {
            val goal = p.client.addGoal("Walk to the shop", true, true)
            val secret = p.client.addGoal("Tell my mother", false, false)
            val archived = p.client.addGoal("Sleep better", true, false)
            p.client.archiveGoal(archived.id)
            listOf(7L to 3, 0L to 6).forEach { (n, rating) ->
                val screen = p.checkInScreen(daysAgo = n)
                screen.load()
                assertEqual(listOf(goal.id, secret.id), screen.state.value.goals.map { it.id }, "the active goals are offered")
                assertEqual(listOf<UByte?>(null, null), screen.state.value.goals.map { it.selected }, "nothing rated yet")
                screen.rateGoal(goal.id, 9u)
                screen.rateGoal(goal.id, 9u)
                assertEqual(null, screen.state.value.goals.first().selected, "a second tap clears")
                screen.rateGoal(goal.id, rating.toUByte())
                screen.rateGoal(secret.id, 1u)
                assertEqual(listOf<UByte?>(rating.toUByte(), 1.toUByte()), screen.state.value.goals.map { it.selected })
                screen.checkIn(heard = 4, hopeful = 3)
                assertEqual(Delivery.Sent, screen.state.value.delivery, "sent")
                assertEqual(listOf<UByte?>(null, null), screen.state.value.goals.map { it.selected }, "cleared after sending")
            }
            val later = p.checkInScreen(daysAgo = 3)
            later.load()
            assertEqual((0..10).map { it.toUByte() }, later.state.value.goalScale, "the library's scale")
            later.rateGoal(goal.id, 5u)
            val third = GoalsScreenModel(p.client).run { load(); editDraft("Cook once a week"); add(); state.value.active.last() }
            later.reloadGoals()
            assertEqual(listOf(goal.id, secret.id, third.id), later.state.value.goals.map { it.id }, "a goal set meanwhile is offered")
            assertEqual(5.toUByte(), later.state.value.goals.first().selected, "a tapped rating stays")
            later.rateGoal(goal.id, 5u)
            val unrated = later.checkIn(heard = 4, hopeful = 4)
            assertEqual(Delivery.Sent, unrated.delivery, "rating goals is optional")
            val stored = p.client.history().checkins
            assertEqual(listOf(0, 2, 2), stored.map { it.goalRatings.size }.sorted(), "one check-in without goal ratings")
            val dashboard = p.dashboard()
            dashboard.refresh()
            val row = dashboard.state.value.clients.single()
            assertEqual(listOf(goal.id, third.id, archived.id), row.goals.map { it.goalId }, "shared goals only, the archived one last")
            val progress = row.goals.first()
            assertEqual("Walk to the shop", progress.text)
            assertEqual(listOf(3, 6), progress.series.map { it.rating.toInt() })
            assertEqual(6.toUByte() to 3.toShort(), progress.latest to progress.changeSinceSet)
            check(row.goals.none { it.text == "Tell my mother" }) { "a private goal reached the dashboard" }
            val brief = p.brief()
            brief.load()
            val card = brief.state.value.cards.single()
            assertEqual(listOf(goal.id, third.id, archived.id), card.goals.map { it.goalId }, "the brief's card carries the same shared goals")
            assertEqual(listOf(3, 6), card.goals.first().series.map { it.rating.toInt() })
        }
    }

    test("a goal kept private on the goals screen, or made private later, reaches neither the dashboard nor the brief") {
        val p = Practice(relay).apply { pair() }
        runBlocking {
            val goals = GoalsScreenModel(p.client)
            goals.load()
            goals.editDraft("Tell my mother")
            goals.setDraftShared(false)
            goals.add()
            goals.editDraft("Walk to the shop")
            goals.add()
            val (secret, walk) = goals.state.value.active
            assertEqual(false to true, secret.shared to walk.shared)
            goals.reword(secret.id, "Tell my mother about the job")
            val screen = p.checkInScreen()
            screen.load()
            screen.rateGoal(secret.id, 2u)
            screen.rateGoal(walk.id, 7u)
            assertEqual(Delivery.Sent, screen.checkIn(heard = 4, hopeful = 4).delivery)
            val dashboard = p.dashboard()
            dashboard.refresh()
            assertEqual(listOf("Walk to the shop"), dashboard.state.value.clients.single().goals.map { it.text }, "only the shared goal")
            val brief = p.brief()
            brief.load()
            assertEqual(listOf(walk.id), brief.state.value.cards.single().goals.map { it.goalId })
            check(brief.state.value.cards.single().goalLine?.contains("mother") != true) { "the private goal's words reached the brief" }

            goals.setShared(walk.id, false)
            assertEqual(listOf(false, false), goals.state.value.active.map { it.shared })
            p.client.sync(p.http)
            dashboard.refresh()
            assertEqual(emptyList<String>(), dashboard.state.value.clients.single().goals.map { it.text }, "made private: withdrawn with its ratings")
            brief.load()
            assertEqual(emptyList<String>(), brief.state.value.cards.single().goals.map { it.goalId })
        }
    }

    test("the check-in screen enables send only once both required items are answered") {
        val p = Practice(relay).apply { pair() }
        val screen = p.checkInScreen()
        runBlocking { screen.load() }
        val loaded = screen.state.value
        assertEqual(listOf("heard", "hopeful"), loaded.items.filter { it.required }.map { it.id })
        assertEqual(5, loaded.items.first().options.size, "five points")
        assertEqual("Not at all", loaded.items.first().options.first().label)
        check(loaded.notMonitored.isNotBlank()) { "the 'not monitored in real time' text must always be on screen" }
        check(!loaded.canSend)
        screen.rate("heard", 4u)
        check(!screen.state.value.canSend) { "one tap is not enough" }
        assertEqual(listOf("hopeful"), screen.state.value.missing.map { it.id })
        screen.rate("hopeful", 3u)
        check(screen.state.value.canSend) { "two taps should enable send" }
        screen.rate("hopeful", 3u)
        check(!screen.state.value.canSend) { "tapping the chosen point again clears it" }
        screen.rate("hopeful", 4u)
        screen.editNote("x".repeat(loaded.noteMaxChars + 1))
        check(screen.state.value.noteTooLong && !screen.state.value.canSend) { "an over-long note keeps send off" }
        screen.editNote("fine")
        runBlocking { screen.send() }
        val after = screen.state.value
        assertEqual(Delivery.Sent, after.delivery)
        check(after.items.all { it.selected == null } && after.note.isEmpty()) { "the form is cleared for next time" }
        assertEqual(mapOf("heard" to 4.toUByte(), "hopeful" to 4.toUByte()), after.recorded?.answers)
        assertEqual(null, after.crisis, "an ordinary check-in opens no sheet")
    }

    test("the set-up screen checks the name and label as typed, and the library refuses the same with typed errors") {
        val p = Practice(relay)
        val setup = PracticeSetupModel(p.therapist)
        runBlocking { setup.load() }
        setup.editRelayUrl(relay.url)
        setup.editName("   ")
        val blank = setup.state.value.nameProblem
        assertEqual(Triple(Problem.Kind.INVALID_NAME, "name", "name_empty"), Triple(blank?.kind, blank?.field, blank?.code))
        check(!setup.state.value.canSetUp) { "a blank name cannot set up" }
        setup.editName("Dr.[2J")
        assertEqual("name_control_character", setup.state.value.nameProblem?.code)
        val refusedName = assertThrows<RapportException.InvalidName> { runBlocking { p.therapist.setUp(p.http, relay.url, " ") } }
        assertEqual("name" to "name_empty", refusedName.field to refusedName.code)
        assertEqual(null, p.therapist.account(), "nothing set up")
        setup.editName(" Dr. Rivera ")
        assertEqual(null, setup.state.value.nameProblem)
        runBlocking { setup.setUp() }
        check(setup.state.value.setUp) { "${setup.state.value.problem}" }
        assertEqual("Dr. Rivera", p.therapist.account()?.name, "stored trimmed")

        setup.editLabel("x".repeat(41))
        assertEqual(Problem.Kind.INVALID_NAME to "name_too_long", setup.state.value.labelProblem?.kind to setup.state.value.labelProblem?.code)
        check(!setup.state.value.canInvite)
        val refusedLabel = assertThrows<RapportException.InvalidName> { runBlocking { p.therapist.inviteClient(p.http, "A\tB", null) } }
        assertEqual("label" to "name_control_character", refusedLabel.field to refusedLabel.code)

        assertEqual(InviteValidity(7u, 366u), inviteValidity())
        for ((days, code) in listOf(0L to "validity_not_positive", 367L to "validity_too_long")) {
            val refused = assertThrows<RapportException.InvalidInvite> {
                runBlocking { p.therapist.inviteClient(p.http, "A.B.", Duration.ofDays(days)) }
            }
            assertEqual(code, refused.code, "$days days")
        }
        val yearAndADay = runBlocking { p.therapist.inviteClient(p.http, "A.B.", Duration.ofDays(366)) }
        check(yearAndADay.uri.startsWith("rapport:invite/"))
        setup.editLabel(" A.B. ")
        runBlocking { setup.invite() }
        check(setup.state.value.invite != null && setup.state.value.label.isEmpty()) { "${setup.state.value.problem}" }
    }

    test("the check-in form and note length are the library's: an emoji is one character, and a full note of them sends") {
        val p = Practice(relay).apply { pair() }
        val form = p.client.checkinForm("de_AT.UTF-8")
        assertEqual("de" to currentInstrument(), form.locale to form.instrument)
        assertEqual(listOf("heard", "hopeful", "worked_on", "fit"), form.items.map { it.id })
        val screen = p.checkInScreen()
        runBlocking { screen.load() }
        val max = screen.state.value.noteMaxChars
        screen.rate("heard", 4u)
        screen.rate("hopeful", 4u)
        val full = "\uD83D\uDE00".repeat(max) // U+1F600: two UTF-16 units, one scalar value
        screen.editNote("  $full\n")
        assertEqual(max, screen.state.value.noteLength, "counted as the library counts")
        assertEqual(max.toUInt(), noteLength(full))
        check(!screen.state.value.noteTooLong && screen.state.value.canSend) { "a full note of emoji fits" }
        screen.editNote("$full!")
        check(screen.state.value.noteTooLong && !screen.state.value.canSend) { "one more is too long" }
        screen.editNote(full)
        runBlocking { screen.send() }
        assertEqual(null, screen.state.value.problem, "the library accepts what the screen let through")
        assertEqual(full, screen.state.value.recorded?.note?.text)
    }

    test("crisis links come from the library ready to open, the fallback's numbers one each") {
        assertEqual(listOf("tel:116123", "sms:85258?body=SHOUT"), crisisResources("en-GB").lines.map { it.uri })
        val fallback = crisisResources("de")
        assertEqual(listOf("112" to "tel:112", "911" to "tel:911"), fallback.emergencyNumbers.map { it.shown to it.uri })
    }

    test("a very low hope rating opens the crisis sheet with tappable call and text links") {
        val p = Practice(relay).apply { pair() }
        val state = p.checkInScreen().checkIn(heard = 3, hopeful = 1)
        val sheet = state.crisis ?: throw AssertionError("no crisis sheet after hopeful = 1")
        val reason = sheet.reason as? SafetyReason.LowHope ?: throw AssertionError("reason: ${sheet.reason}")
        assertEqual("hopeful" to 1.toUByte(), reason.item to reason.rating, "the item and rating that called for it")
        assertEqual(listOf("tel:911"), sheet.emergencyNumbers.map { it.uri }, "emergency number")
        check(!sheet.isFallback && sheet.lines.isNotEmpty()) { "no crisis lines for $LOCALE" }
        for (line in sheet.lines) {
            check(line.uri.startsWith(if (line.isText) "sms:" else "tel:")) { "${line.name}: ${line.uri}" }
        }
        check(sheet.notMonitored.isNotBlank())
        assertEqual(Delivery.Sent, state.delivery, "the check-in is still delivered")
    }

    test("a little hope right now opens the crisis sheet too; some hope does not") {
        val p = Practice(relay).apply { pair() }
        val little = p.checkInScreen().checkIn(heard = 4, hopeful = 2)
        val reason = little.crisis?.reason as? SafetyReason.LowHope ?: throw AssertionError("no sheet after hopeful = 2")
        assertEqual("hopeful" to 2.toUByte(), reason.item to reason.rating)
        assertEqual(null, p.checkInScreen(daysAgo = 7).checkIn(heard = 4, hopeful = 3).crisis, "hopeful = 3 opens no sheet")
    }

    test("without a region the sheet gives emergency advice only, with one link per emergency number") {
        // Joined from a locale without a region: no crisis country pre-selected or chosen.
        val p = Practice(relay).apply { pair(joinLocale = "de") }
        val screen = CheckInScreenModel(p.client, "de", p.clientTransport, today = ::utcToday)
        runBlocking { screen.load() }
        screen.needSupportNow()
        val sheet = screen.state.value.crisis ?: throw AssertionError("no sheet: ${screen.state.value.problem}")
        check(sheet.isFallback) { "a bare language must not pick a country" }
        assertEqual(emptyList<String>(), sheet.lines.map { it.name })
        check(sheet.emergencyNumbers.size >= 2 && sheet.emergencyNumbers.all { it.uri.matches(Regex("tel:[0-9]+")) }) {
            "${sheet.emergencyNumber} -> ${sheet.emergencyNumbers}"
        }
        check(sheet.notMonitored.isNotBlank())
    }

    test("'I need support now' opens the resources offline and the next check-in carries the request to the therapist") {
        val p = Practice(relay).apply { pair() }
        p.online = false
        val screen = p.checkInScreen()
        runBlocking { screen.load() }
        screen.needSupportNow()
        val opened = screen.state.value
        val sheet = opened.crisis ?: throw AssertionError("no sheet: ${opened.problem}")
        assertEqual(null, sheet.reason, "opened by the button")
        check(sheet.lines.isNotEmpty())
        check(opened.supportRequested) { "the check-in being written is marked" }
        screen.dismissCrisis()
        assertEqual(null, screen.state.value.crisis)
        val offline = screen.checkIn(heard = 3, hopeful = 3)
        check(offline.crisis?.reason is SafetyReason.SupportRequested) { "the outcome carries the request: ${offline.crisis?.reason}" }
        assertEqual(Problem.Kind.OFFLINE, (offline.delivery as? Delivery.Saved)?.problem?.kind, "saved while offline")
        check(offline.recorded?.supportRequested == true)
        p.online = true
        val history = p.history()
        runBlocking { history.refresh() }
        check(history.state.value.rows.single().supportRequested)
        val dashboard = p.dashboard()
        runBlocking { dashboard.refresh() }
        val flag = dashboard.state.value.flags.first()
        assertEqual(FlagKind.SUPPORT_REQUESTED to Severity.URGENT, flag.kind to flag.severity)
        check(dashboard.state.value.clients.single().points.single().supportRequested)
    }

    test("a check-in the library refuses names the field and keeps the answers") {
        val p = Practice(relay).apply { pair() }
        val screen = p.checkInScreen(daysAgo = -5) // a session date in the future
        val state = screen.checkIn(heard = 2, hopeful = 2)
        assertEqual(Problem.Kind.INVALID_CHECKIN to "session_date", state.problem?.kind to state.problem?.field)
        assertEqual(
            mapOf("heard" to 2.toUByte(), "hopeful" to 2.toUByte()),
            state.items.filter { it.selected != null }.associate { it.id to it.selected },
            "answers kept for another try",
        )
        assertEqual(null, state.delivery)
    }

    test("the history marks a check-in seen once the therapist acknowledges it") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen().checkIn(heard = 5, hopeful = 4, note = "private thought")
        val history = p.history()
        runBlocking { history.refresh() }
        val before = history.state.value.rows.single()
        check(!before.seen)
        assertEqual("private thought" to false, before.note to before.noteShared)
        val dashboard = p.dashboard()
        runBlocking {
            dashboard.refresh()
            dashboard.markAllSeen()
            history.refresh()
        }
        assertEqual(0u, dashboard.state.value.clients.single().unseen, "unseen after marking")
        check(history.state.value.rows.single().seen) { "seen mark missing: ${history.state.value}" }
    }

    test("the history shows the therapist's reply under the check-in it answers, with the not-monitored reminder") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen(daysAgo = 1).checkIn(heard = 3, hopeful = 3)
        p.checkInScreen().checkIn(heard = 4, hopeful = 2)
        val history = p.history()
        runBlocking { history.refresh() }
        val latest = history.state.value.rows.first()
        runBlocking {
            p.dashboard().refresh()
            p.therapist.replyToCheckin(latest.id, "Thank you, let's start there next week.")
            p.therapist.sync(p.http)
            history.refresh()
        }
        val rows = history.state.value.rows
        assertEqual("Thank you, let's start there next week.", rows.first().reply, "reply under the latest")
        assertEqual(null, rows.last().reply, "no reply under the earlier one")
        check(history.state.value.notMonitored.isNotBlank()) { "the 'not monitored in real time' text goes with every reply" }
    }

    test("the history pages newest session first and loads older ones on demand") {
        val p = Practice(relay).apply { pair() }
        for (daysAgo in listOf(3L, 2L, 1L)) p.checkInScreen(daysAgo).checkIn(heard = 4, hopeful = 4)
        val history = HistoryScreenModel(p.client, LOCALE, p.clientTransport, pageSize = 2u)
        runBlocking { history.refresh() }
        val dates = (1L..3L).map { utcToday().minusDays(it).toString() }
        assertEqual(dates.take(2), history.state.value.rows.map { it.sessionDate }, "first page")
        check(history.state.value.hasMore)
        runBlocking { history.loadMore() }
        assertEqual(dates, history.state.value.rows.map { it.sessionDate }, "after loading more")
        check(!history.state.value.hasMore)
    }

    test("paused sharing keeps check-ins on the device until sharing resumes") {
        val p = Practice(relay).apply { pair() }
        val history = p.history()
        runBlocking { history.setSharingPaused(true) }
        check(history.state.value.sharingPaused)
        val state = p.checkInScreen().checkIn(heard = 4, hopeful = 4)
        assertEqual(Delivery.Paused, state.delivery)
        val dashboard = p.dashboard()
        runBlocking { dashboard.refresh() }
        assertEqual(0, dashboard.state.value.clients.single().points.size, "nothing shared while paused")
        runBlocking {
            history.setSharingPaused(false, sendHeld = true)
            dashboard.refresh()
        }
        check(!history.state.value.sharingPaused)
        assertEqual(1, dashboard.state.value.clients.single().points.size, "sent after resuming, as asked")
    }

    test("dashboard rows come from insights: a chart point per session, the trend, and flags in the library's order") {
        val p = Practice(relay).apply { pair() }
        val ratings = listOf(21L to (5 to 5), 14L to (4 to 4), 7L to (2 to 3), 0L to (1 to 2))
        for ((daysAgo, answers) in ratings) p.checkInScreen(daysAgo).checkIn(answers.first, answers.second)
        val dashboard = p.dashboard()
        runBlocking { dashboard.refresh() }
        val row = dashboard.state.value.clients.single()
        assertEqual(ratings.map { utcToday().minusDays(it.first).toString() }, row.points.map { it.sessionDate }, "oldest first")
        assertEqual(listOf(5, 4, 2, 1).map { it.toUByte() }, row.points.map { it.heard })
        assertEqual(1.toUByte() to 2.toUByte(), row.latestHeard to row.latestHopeful)
        assertEqual(Trend.WORSENING, row.trend)
        check(row.reliableChanges.any { it.item == "heard" && it.change == -4 }) { "${row.items}" }
        val flags = dashboard.state.value.flags
        check(flags.isNotEmpty()) { "a falling client raises a flag" }
        check(flags.all { it.headline.isNotBlank() && it.reasons.isNotEmpty() }) { "$flags" }
        assertEqual(p.therapist.flags(false).map { it.id }, flags.map { it.id }, "kept in the library's order")
        assertEqual(flags.map { it.id }, row.flags.map { it.id })
        runBlocking { dashboard.markDiscussed(flags.first().id) }
        check(dashboard.state.value.flags.none { it.id == flags.first().id }) { "discussed flag still open" }
        assertEqual(flags.size - 1, dashboard.state.value.clients.single().flags.size)
    }

    test("the brief has a card per client with check-ins, the usual range, flags and an opening line") {
        val p = Practice(relay).apply { pair() }
        p.checkInScreen().checkIn(heard = 3, hopeful = 2, note = "hard start")
        runBlocking { p.dashboard().refresh() }
        val brief = p.brief("de-DE")
        runBlocking { brief.load() }
        val state = brief.state.value
        assertEqual(null, state.problem)
        assertEqual(utcToday().toString(), state.date)
        val card = state.cards.single()
        assertEqual(listOf(2.toUByte()), card.checkins.map { it.ratings["hopeful"] })
        check(card.usual.any { it.item == "hopeful" }) { "${card.usual}" }
        val flag = card.flags.single()
        assertEqual(FlagKind.DIFFICULT_FIRST_SESSION to Severity.MEDIUM, flag.kind to flag.severity)
        check(card.opening.isNotBlank())
        // The flag is told in the brief's language, as on the dashboard.
        check(flag.headline.startsWith("Schwierige erste Sitzung")) { flag.headline }
        val dashboard = p.dashboard("de-DE")
        runBlocking { dashboard.refresh() }
        assertEqual(listOf(flag.headline), dashboard.state.value.flags.map { it.headline })
        check(p.therapist.flags(false, "en").single().headline.startsWith("Difficult first session"))
        runBlocking { brief.markDiscussed(flag.id) }
        assertEqual(emptyList(), brief.state.value.cards.single().flags)
    }

    test("the dashboard keeps the library's order: the client who asked for support first") {
        val p = Practice(relay).apply { pair("Z.Z.") }
        p.checkInScreen().checkIn(heard = 4, hopeful = 4)
        val second = Practice(relay)
        // A second client of the same therapist, asking for support.
        runBlocking {
            val setup = PracticeSetupModel(p.therapist)
            setup.load()
            setup.editLabel("A.A.")
            setup.invite()
            val join = JoinScreenModel(second.client, LOCALE)
            join.load()
            join.editInvite(setup.state.value.invite!!.uri)
            join.acceptConsent(true)
            join.join()
            check(join.state.value.joined) { "${join.state.value.problem}" }
        }
        val screen = CheckInScreenModel(second.client, LOCALE, { second.http }, today = ::utcToday)
        runBlocking { screen.load() }
        screen.needSupportNow()
        screen.checkIn(heard = 3, hopeful = 3)
        val dashboard = p.dashboard()
        runBlocking { dashboard.refresh() }
        val labels = dashboard.state.value.clients.map { it.label }
        assertEqual(listOf("Z.Z.", "A.A.").sorted().toSet(), labels.toSet())
        val first = dashboard.state.value.clients.first()
        assertEqual(Severity.URGENT, first.badge, "the client who asked for support comes first")
        assertEqual(p.therapist.insights().map { it.label }, labels, "the library's order, not re-sorted")
    }
}

fun main(args: Array<String>) {
    require(args.size == 1) { "usage: ScreenTestsKt <path to the rapport binary>" }
    val suite = Suite()
    val relay = LocalRelay(args[0])
    defineScreenTests(suite, relay)
    defineRightsTests(suite, relay)
    suite.runAndExit { relay.close() }
}
