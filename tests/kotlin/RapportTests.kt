// The Kotlin suite: the generated bindings on the JVM (JNA), with a relay behind
// an HttpClient and a keystore written in Kotlin as an Android app would write
// them over OkHttp and the Android Keystore. Sync and the other network calls are `suspend`
// functions, driven here by runBlocking.
//
// Run by tests/bindings.sh; prints one line per test and `N passed, M failed`
// last, and exits non-zero when anything failed.
package rapport.tests

import java.io.File
import java.nio.file.Files
import java.time.Instant
import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.util.Base64
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import uniffi.rapport_ffi.*

const val WORK_FACTOR: UByte = 4u

/**
 * The relay's `/v1` HTTP API over in-memory mailboxes, with a switch to go offline:
 * an [HttpClient] as an app writes one, except that the "network" is this object.
 * Requests are read from the URL, method and headers the library builds and
 * answered with the status and JSON the real relay sends, so the library's own
 * protocol code is what these tests run.
 */
class MemoryRelay : HttpClient {
    class Mailbox(val readToken: String) {
        val postTokens = HashMap<String, Pair<String, Boolean>>()
        val messages = ArrayList<Pair<ULong, ByteArray>>()
        var nextSeq: ULong = 0uL
    }

    /** An error answer: status, code, detail. */
    class Refused(val status: Int, val code: String, detail: String) : Exception(detail)

    val mailboxes = HashMap<String, Mailbox>()
    @Volatile var offline = false
    @Volatile var failUnexpectedly = false
    val callingThreads: MutableSet<Long> = java.util.concurrent.ConcurrentHashMap.newKeySet()
    private var nextId = 0

    private fun newId(prefix: String) = "$prefix-${++nextId}"

    override fun send(request: HttpRequest): HttpResponse {
        callingThreads.add(Thread.currentThread().id)
        if (offline) throw HttpException.Unreachable("no connection (test relay is offline)")
        if (failUnexpectedly) throw java.io.IOException("socket closed by peer")
        val uri = java.net.URI(request.url)
        val parts = uri.rawPath.split("/").drop(1).map { java.net.URLDecoder.decode(it, Charsets.UTF_8) }
        val query = (uri.rawQuery ?: "").split("&").filter { it.contains("=") }
            .associate { it.substringBefore("=") to it.substringAfter("=") }
        val token = request.headers.firstOrNull { it.name.equals("authorization", true) }?.value?.removePrefix("Bearer ") ?: ""
        val (status, json) = try {
            synchronized(this) { route(request.method, parts, token, query, request.body) }
        } catch (e: Refused) {
            e.status to """{"error":"${e.code}","detail":"${e.message}"}"""
        }
        return HttpResponse(status.toUShort(), listOf(HttpHeader("content-type", "application/json")), json.toByteArray())
    }

    private fun route(method: String, parts: List<String>, token: String, query: Map<String, String>, body: ByteArray): Pair<Int, String> =
        when {
            method == "POST" && parts == listOf("v1", "mailboxes") -> {
                val id = newId("mbx")
                val read = newId("read")
                mailboxes[id] = Mailbox(read)
                201 to """{"mailbox_id":"$id","read_token":"$read"}"""
            }
            method == "POST" && parts.size == 4 && parts[3] == "post-tokens" -> {
                val box = reader(parts[2], token)
                val tokenId = newId("tok")
                val post = newId("post")
                box.postTokens[post] = Pair(tokenId, false)
                201 to """{"token_id":"$tokenId","post_token":"$post"}"""
            }
            method == "DELETE" && parts.size == 5 && parts[3] == "post-tokens" -> {
                val box = reader(parts[2], token)
                for ((t, entry) in box.postTokens.entries.toList()) {
                    if (entry.first == parts[4]) box.postTokens[t] = Pair(entry.first, true)
                }
                204 to ""
            }
            method == "POST" && parts.size == 4 && parts[3] == "messages" -> {
                val box = mailbox(parts[2])
                val entry = box.postTokens[token] ?: throw Refused(403, "forbidden", "unknown post token")
                if (entry.second) throw Refused(403, "token_revoked", "token revoked")
                box.nextSeq += 1uL
                val seq = box.nextSeq
                box.messages.add(seq to body.copyOf())
                201 to """{"seq":$seq}"""
            }
            method == "GET" && parts.size == 4 && parts[3] == "messages" -> {
                val after = query["after"]?.toULong() ?: 0uL
                val limit = query["limit"]?.toInt() ?: 100
                val newer = reader(parts[2], token).messages.filter { it.first > after }
                val page = newer.take(maxOf(limit, 1))
                val items = page.joinToString(",") { (seq, bytes) ->
                    """{"seq":$seq,"received_at":"2026-01-01T00:00:00Z","body":"${Base64.getEncoder().encodeToString(bytes)}"}"""
                }
                200 to """{"messages":[$items],"more":${newer.size > page.size}}"""
            }
            method == "DELETE" && parts.size == 4 && parts[3] == "messages" -> {
                val through = query["through"]?.toULong() ?: 0uL
                val box = reader(parts[2], token)
                val before = box.messages.size
                box.messages.removeAll { it.first <= through }
                200 to """{"pruned":${before - box.messages.size}}"""
            }
            else -> throw Refused(404, "not_found", "no route $method ${parts.joinToString("/")}")
        }

    private fun mailbox(id: String) = mailboxes[id] ?: throw Refused(404, "no_such_mailbox", "no such mailbox")

    private fun reader(id: String, readToken: String): Mailbox {
        val box = mailbox(id)
        if (box.readToken != readToken) throw Refused(403, "forbidden", "wrong read token")
        return box
    }

    @Synchronized fun stored() = mailboxes.values.sumOf { it.messages.size }

    @Synchronized fun revokeAll(mailboxId: String) {
        val box = mailboxes.getValue(mailboxId)
        for (token in box.postTokens.keys.toList()) box.postTokens[token] = Pair(box.postTokens.getValue(token).first, true)
    }
}

/** A keystore over a map, as an app would keep keys in the Android Keystore. */
class MapSecretStore : SecretStore {
    val secrets = java.util.concurrent.ConcurrentHashMap<String, ByteArray>()
    @Volatile var locked = false

    private fun check() {
        if (locked) throw RapportException.KeyUnavailable("the device is locked")
    }

    override fun get(name: String): ByteArray? { check(); return secrets[name] }
    override fun put(name: String, secret: ByteArray) { check(); secrets[name] = secret.copyOf() }
    override fun delete(name: String) { check(); secrets.remove(name) }
}

// ---- helpers -------------------------------------------------------------

val scratch: File = Files.createTempDirectory("rapport-kotlin").toFile()
var dbCounter = 0
fun newDb(name: String) = File(scratch, "${name}-${++dbCounter}.db").path

fun today(): String = LocalDate.now(ZoneOffset.UTC).toString()

fun draft(
    answers: Map<String, UByte> = mapOf("heard" to 4u.toUByte(), "hopeful" to 3u.toUByte()),
    note: Note? = null,
    sessionDate: String = today(),
    supportRequested: Boolean = false,
) = CheckInDraft(currentInstrument(), sessionDate, answers, note, supportRequested)

fun ratings(heard: Int, hopeful: Int) = mapOf("heard" to heard.toUByte(), "hopeful" to hopeful.toUByte())

fun daysAgo(n: Long): String = LocalDate.now(ZoneOffset.UTC).minusDays(n).toString()

fun openClient(path: String, passphrase: String = "client passphrase") =
    ClientApp.openWithPassphrase(path, passphrase, WORK_FACTOR)

fun openTherapist(path: String, passphrase: String = "therapist passphrase") =
    TherapistApp.openWithPassphrase(path, passphrase, WORK_FACTOR)

class PairedSetup(val relay: MemoryRelay, val therapist: TherapistApp, val client: ClientApp, val therapistDb: String, val clientDb: String)

/** A therapist set up on a fresh relay and a client paired by invite. */
fun paired(): PairedSetup = runBlocking {
    val relay = MemoryRelay()
    val therapistDb = newDb("therapist")
    val clientDb = newDb("client")
    val therapist = openTherapist(therapistDb)
    therapist.setUp(relay, "https://relay.test", "Dr. Ada")
    val invite = therapist.inviteClient(relay, "A.B.")
    val client = openClient(clientDb)
    client.join(relay, invite.uri, client.consent("en").version)
    val report = therapist.sync(relay)
    check(report.paired == listOf("A.B.")) { "pairing failed: ${report.summary}" }
    PairedSetup(relay, therapist, client, therapistDb, clientDb)
}

fun check(condition: Boolean) = check(condition) { "check failed" }

fun <T> assertEqual(expected: T, actual: T, what: String = "") {
    if (expected != actual) throw AssertionError("$what: expected <$expected> but was <$actual>")
}

inline fun <reified E : Throwable> assertThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName} but got $e", e)
    }
    throw AssertionError("expected ${E::class.simpleName} but nothing was thrown")
}

fun hex(bytes: ByteArray) = bytes.joinToString("") { "%02x".format(it) }

// ---- the tests -----------------------------------------------------------

val tests = linkedMapOf<String, () -> Unit>()

fun test(name: String, body: () -> Unit) { tests[name] = body }

fun defineTests(vectorsPath: String) {
    test("a check-in reaches the therapist and the seen receipt comes back") {
        val p = paired()
        runBlocking {
            val recorded = p.client.recordCheckin(draft(mapOf("heard" to 2u.toUByte(), "hopeful" to 1u.toUByte()), Note("felt rushed", NoteVisibility.SHARED)), "en-US").checkin
            assertEqual(1u, recorded.version)
            assertEqual(listOf(OutboxKind.CHECK_IN), p.client.pendingOutbox().map { it.kind })
            assertEqual(1u, p.client.sync(p.relay).sent, "sent")
            assertEqual(1u, p.therapist.sync(p.relay).applied, "applied")
            val client = p.therapist.dashboard().single()
            assertEqual("A.B.", client.label)
            val got = client.checkins.single()
            assertEqual(recorded.id, got.recordId)
            assertEqual(mapOf("heard" to 2u.toUByte(), "hopeful" to 1u.toUByte()), got.answers)
            assertEqual("felt rushed", got.sharedNote)
            check(!got.seen)
            assertEqual(1u, p.therapist.acknowledgeAll())
            assertEqual(1u, p.therapist.sync(p.relay).sent, "receipts sent")
            assertEqual(1u, p.client.sync(p.relay).receiptsApplied, "receipts applied")
            check(p.client.history().checkins.single().seenAt != null)
        }
    }

    test("a therapist's reply reaches the client's history under that check-in only") {
        val p = paired()
        runBlocking {
            val earlier = p.client.recordCheckin(draft(sessionDate = daysAgo(1)), "en-US").checkin
            val latest = p.client.recordCheckin(draft(), "en-US").checkin
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            val reply = p.therapist.replyToCheckin(latest.id, "Thank you, let's start there next week.")
            assertEqual(latest.id, reply.recordId)
            assertEqual(1u, reply.version)
            check(reply.editable)
            assertEqual(reply, p.therapist.dashboard().single().checkins.single { it.recordId == latest.id }.reply)
            val tooLong = assertThrows<RapportException.InvalidCheckIn> { p.therapist.replyToCheckin(latest.id, "x".repeat(281)) }
            assertEqual("reply", tooLong.field)
            p.therapist.sync(p.relay)
            p.client.sync(p.relay)
            val history = p.client.history().checkins.associateBy { it.id }
            assertEqual("Thank you, let's start there next week.", history.getValue(latest.id).reply?.text, "reply text")
            check(history.getValue(latest.id).reply?.editable == false)
            assertEqual(null, history.getValue(earlier.id).reply, "no reply under the earlier check-in")
        }
    }

    test("a private note never leaves the client") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(note = Note("only for me", NoteVisibility.PRIVATE)), "en-US").checkin
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            assertEqual(null, p.therapist.dashboard().single().checkins.single().sharedNote)
            assertEqual(NoteVisibility.PRIVATE, p.client.history().checkins.single().note?.visibility)
        }
    }

    test("edits and deletions follow the check-in to the therapist") {
        val p = paired()
        runBlocking {
            val first = p.client.recordCheckin(draft(), "en-US").checkin
            val second = p.client.recordCheckin(draft(), "en-US").checkin
            val edited = p.client.editCheckin(first.id, draft(mapOf("heard" to 1u.toUByte(), "hopeful" to 2u.toUByte())))
            assertEqual(2u, edited.version)
            p.client.deleteCheckin(second.id)
            check(p.client.checkin(second.id) is CheckInRecord.Deleted)
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            val only = p.therapist.dashboard().single().checkins.single()
            assertEqual(first.id, only.recordId)
            assertEqual(2u, only.version)
            assertThrows<RapportException.CheckInNotFound> { p.client.editCheckin(second.id, draft()) }
        }
    }

    test("a keystore written in Kotlin holds the data key") {
        val store = MapSecretStore()
        val path = newDb("keystore")
        val client = ClientApp.openWithSecretStore(path, store)
        val recorded = client.recordCheckin(draft(), "en-US").checkin
        assertEqual(setOf("rapport.data-key.${client.databaseId()}"), store.secrets.keys.toSet())
        assertEqual(32, store.secrets.values.single().size)
        client.close()
        val again = ClientApp.openWithSecretStore(path, store)
        assertEqual(listOf(recorded.id), again.history().checkins.map { it.id })
        assertThrows<RapportException.KeyUnavailable> { ClientApp.openWithSecretStore(path, MapSecretStore()) }
        store.locked = true
        val locked = assertThrows<RapportException.KeyUnavailable> { ClientApp.openWithSecretStore(path, store) }
        check(locked.reason.contains("the device is locked")) { locked.reason }
    }

    test("a wrong passphrase is WrongPassphrase") {
        val path = newDb("client")
        openClient(path, "correct horse").recordCheckin(draft(), "en-US").checkin
        val e = assertThrows<RapportException.WrongPassphrase> { openClient(path, "battery staple") }
        check(e.reason.contains("passphrase")) { e.reason }
        assertEqual(1, openClient(path, "correct horse").history().checkins.size)
    }

    test("a damaged invite is InvalidInvite with its code and nothing is sent") {
        val p = paired()
        runBlocking {
            val uri = p.therapist.inviteClient(p.relay, "E.F.").uri
            val before = p.relay.stored()
            val newcomer = openClient(newDb("newcomer"))
            val truncated = assertThrows<RapportException.InvalidInvite> { runBlocking { newcomer.join(p.relay, uri.dropLast(30), newcomer.consent("en").version) } }
            assertEqual("truncated", truncated.code)
            val i = uri.length / 2
            val altered = uri.substring(0, i) + (if (uri[i] == 'A') 'B' else 'A') + uri.substring(i + 1)
            assertEqual("altered", assertThrows<RapportException.InvalidInvite> { runBlocking { newcomer.join(p.relay, altered, newcomer.consent("en").version) } }.code)
            assertEqual(before, p.relay.stored())
            assertEqual(null, newcomer.account())
        }
    }

    test("an out-of-range rating is InvalidCheckIn naming the item, and nothing is stored") {
        val client = openClient(newDb("client"))
        val e = assertThrows<RapportException.InvalidCheckIn> {
            client.recordCheckin(draft(mapOf("heard" to 6u.toUByte(), "hopeful" to 3u.toUByte())), "en-US").checkin
        }
        assertEqual("heard", e.field)
        check(e.reason.contains("1 to 5")) { e.reason }
        val future = assertThrows<RapportException.InvalidCheckIn> { client.recordCheckin(draft(sessionDate = "2999-01-01"), "en-US").checkin }
        assertEqual("session_date", future.field)
        assertEqual(0, client.history().checkins.size)
    }

    test("an offline relay is Network and nothing is lost") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(), "en-US").checkin
            p.relay.offline = true
            val e = assertThrows<RapportException.Network> { runBlocking { p.client.sync(p.relay) } }
            check(e.reason.contains("offline")) { e.reason }
            assertEqual(1, p.client.pendingOutbox().size)
            p.relay.offline = false
            assertEqual(1u, p.client.sync(p.relay).sent)
        }
    }

    test("an unexpected exception in the transport becomes Network") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(), "en-US").checkin
            p.relay.failUnexpectedly = true
            assertThrows<RapportException.Network> { runBlocking { p.client.sync(p.relay) } }
            p.relay.failUnexpectedly = false
            assertEqual(1, p.client.pendingOutbox().size)
        }
    }

    test("a refused post is RelayRefused with the relay's code and nothing is lost") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(), "en-US")
            val box = p.relay.mailboxes.getValue(p.therapist.account()!!.mailboxId)
            val tokens = HashMap(box.postTokens)
            box.postTokens.clear()
            val e = assertThrows<RapportException.RelayRefused> { runBlocking { p.client.sync(p.relay) } }
            assertEqual(403.toUShort(), e.status)
            assertEqual("forbidden", e.code)
            assertEqual(1, p.client.pendingOutbox().size)
            box.postTokens.putAll(tokens)
            assertEqual(1u, p.client.sync(p.relay).sent, "sent once allowed again")
        }
    }

    test("a relay saying token_revoked ends nothing without the therapist's signed word") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(), "en-US").checkin
            p.relay.revokeAll(p.therapist.account()!!.mailboxId)
            val report = p.client.sync(p.relay)
            check(report.tokenRefused && !report.endedByTherapist)
            assertEqual(0u, report.sent, "sent")
            check(p.client.membership() is Membership.Active)
            assertEqual(1, p.client.pendingOutbox().size)
            assertEqual(1, p.client.history().checkins.size)
        }
    }

    test("sync is a suspend function whose transport runs off the calling thread") {
        val p = paired()
        p.client.recordCheckin(draft(), "en-US").checkin
        p.relay.callingThreads.clear()
        val caller = Thread.currentThread().id
        runBlocking { p.client.sync(p.relay) }
        check(p.relay.callingThreads.isNotEmpty() && caller !in p.relay.callingThreads) { "${p.relay.callingThreads}" }
    }

    test("a restored therapist fetches the whole history again") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(), "en-US").checkin
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            val kit = p.therapist.recoveryKit("kit passphrase", WORK_FACTOR)
            val restored = TherapistApp.restoreWithSecretStore(newDb("restored"), MapSecretStore(), kit, "kit passphrase")
            restored.sync(p.relay)
            assertEqual(1, restored.dashboard().single().checkins.size)
        }
    }

    test("a panic inside the library is an exception and the process lives on") {
        val e = assertThrows<InternalException> { debugPanicForTests() }
        check(e.message!!.contains("deliberate panic")) { e.message!! }
        assertEqual(1u, openClient(newDb("after-panic")).recordCheckin(draft(), "en-US").checkin.version)
    }

    test("asking for support shows crisis lines for the locale and reaches the therapist as an urgent flag") {
        val p = paired()
        runBlocking {
            check(p.client.recordCheckin(draft(ratings(4, 4), sessionDate = daysAgo(7)), "en-IE").safety == null)
            val outcome = p.client.recordCheckin(draft(ratings(3, 2), supportRequested = true), "en-IE")
            val notice = outcome.safety ?: throw AssertionError("no safety notice")
            check(notice.reason is SafetyReason.SupportRequested)
            assertEqual("IE", notice.resources.region)
            check(notice.resources.lines.isNotEmpty())
            check(notice.resources.notMonitored.contains("real time"))
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            val first = p.therapist.flags(false).first()
            assertEqual(FlagKind.SUPPORT_REQUESTED, first.kind)
            assertEqual(Severity.URGENT, first.severity)
            assertEqual("support_requested", first.kindId)
            check(first.reasons.any { it.rule == Rule.SUPPORT_REQUESTED && it.ruleId == "support_requested" })
            check(p.therapist.acknowledgeReason(first.reasons.first().id).acknowledgedAt != null)
            assertEqual(ResolutionKind.DISCUSSED, p.therapist.markDiscussed(first.id).resolution?.kind)
            check(p.therapist.flags(false).none { it.id == first.id })
            check(p.therapist.flags(true).any { it.id == first.id })
            assertThrows<RapportException.NotFound> { p.therapist.markDiscussed("ffffffffffff") }
            assertThrows<RapportException.NotFound> { p.therapist.acknowledgeReason("ffffffffffff") }
        }
    }

    test("a difficult first session raises one medium flag; discussing it resolves it; the brief speaks German") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(ratings(3, 2)), "en-US")
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            val flag = p.therapist.flags(false).single()
            assertEqual(FlagKind.DIFFICULT_FIRST_SESSION, flag.kind)
            assertEqual(Severity.MEDIUM, flag.severity)
            assertEqual(listOf(flag.id), p.therapist.insights().single().flags.map { it.id })

            val brief = p.therapist.brief(today(), null, "de")
            val card = brief.cards.single()
            assertEqual("A.B.", card.label)
            assertEqual(listOf(2), card.checkins.map { it.ratings.getValue("hopeful").toInt() })
            assertEqual(listOf(flag.id), card.flags.map { it.id })
            assertEqual("de", card.opening.locale)
            check(card.opening.text.isNotBlank())
            check(card.usual.any { it.item == "hopeful" })

            assertEqual(ResolutionKind.DISCUSSED, p.therapist.markDiscussed(flag.id).resolution?.kind)
            check(p.therapist.flags(false).isEmpty())
            assertEqual(0u, p.therapist.markAllDiscussed(null))
            assertThrows<RapportException.NotFound> { p.therapist.markDiscussed("ffffffffffff") }
        }
    }

    test("insights give the trend and a low first session; pausing keeps check-ins back") {
        val p = paired()
        runBlocking {
            p.client.pauseSharing()
            assertEqual(Membership.Active(true), p.client.membership())
            listOf(21L to ratings(1, 1), 14L to ratings(2, 2), 7L to ratings(3, 3), 0L to ratings(4, 4)).forEach { (n, r) ->
                p.client.recordCheckin(draft(r, sessionDate = daysAgo(n)), "en-US")
            }
            check(p.client.sync(p.relay).paused)
            // Resuming asks: what was held back goes only when the client says so.
            assertEqual(4u, p.client.resumeSharing(sendHeld = true).count, "held back")
            assertEqual(4u, p.client.sync(p.relay).sent, "sent after resuming")
            assertEqual(1u, p.therapist.sync(p.relay).insightsToRefresh, "to refresh")
            val insight = p.therapist.insights().single()
            assertEqual(Trend.IMPROVING, insight.trend)
            assertEqual(listOf(1, 2, 3, 4), insight.sessions.map { it.ratings.getValue("hopeful").toInt() })
            check(insight.flags.none { it.kind == FlagKind.SUPPORT_REQUESTED })
            assertEqual(null, insight.pausedSince, "sharing resumed")
            val hopeful = insight.items.first { it.item == "hopeful" }
            check(hopeful.reliable && hopeful.change == 3)
        }
    }

    test("goals: set, reworded, made private, shared again and archived on the client's device") {
        val p = paired()
        val goal = p.client.addGoal("  Walk to the shop on my own ", true, false)
        assertEqual("Walk to the shop on my own", goal.text, "trimmed")
        assertEqual(Triple(true, false, 1u), Triple(goal.shared, goal.setInSession, goal.version))
        assertEqual(null, goal.archivedAt)
        val reworded = p.client.editGoal(goal.id, "Walk to the shop and back")
        assertEqual("Walk to the shop and back", reworded.text)
        assertEqual(listOf("Walk to the shop on my own"), reworded.earlierTexts.map { it.text }, "the earlier wording is kept")
        check(reworded.version > goal.version) { "a change grows the version" }
        check(!p.client.setGoalShared(goal.id, false).shared)
        assertEqual(false, p.client.activeGoals().single().shared, "kept private")
        check(p.client.setGoalShared(goal.id, true).shared)
        val archived = p.client.archiveGoal(goal.id)
        check(archived.archivedAt != null) { "archived without a time" }
        assertEqual(emptyList<Goal>(), p.client.activeGoals(), "no active goal left")
        assertEqual(listOf(goal.id), p.client.goals().map { it.id }, "an archived goal stays")
        val late = assertThrows<RapportException.InvalidGoal> { p.client.editGoal(goal.id, "Too late") }
        assertEqual("goal_archived", late.code)
    }

    test("goals: a fourth active goal and words a goal cannot have are refused with typed errors") {
        val p = paired()
        val empty = assertThrows<RapportException.InvalidGoal> { p.client.addGoal("   ", true, false) }
        assertEqual("goal_empty", empty.code)
        val long = assertThrows<RapportException.InvalidGoal> { p.client.addGoal("x".repeat(201), true, false) }
        assertEqual("goal_too_long", long.code)
        check(long.reason.isNotBlank())
        assertEqual(emptyList<Goal>(), p.client.goals(), "nothing stored")
        val goals = listOf("Walk to the shop", "Sleep better", "Call my sister").map { p.client.addGoal(it, true, false) }
        val tooMany = assertThrows<RapportException.InvalidGoal> { p.client.addGoal("one too many", true, false) }
        assertEqual("too_many_goals", tooMany.code)
        check("archive" in tooMany.reason) { "the reason says what to do: ${tooMany.reason}" }
        assertEqual(3, p.client.activeGoals().size)
        val tooLongEdit = assertThrows<RapportException.InvalidGoal> { p.client.editGoal(goals[0].id, "y".repeat(201)) }
        assertEqual("goal_too_long", tooLongEdit.code)
        assertEqual("Walk to the shop", p.client.activeGoals()[0].text, "a refused edit changes nothing")
        assertThrows<RapportException.GoalNotFound> { p.client.archiveGoal("not a goal id") }
        assertThrows<RapportException.GoalNotFound> { p.client.editGoal("018f0000-0000-7000-8000-000000000000", "no such goal") }
        p.client.archiveGoal(goals[0].id)
        assertEqual("one more", p.client.addGoal("one more", false, false).text, "archiving frees a place")
        assertEqual(3, p.client.activeGoals().size)
    }

    test("goals: a shared goal's ratings reach the therapist's insights and brief; a private goal's never do") {
        val p = paired()
        runBlocking {
            val shared = p.client.addGoal("Walk to the shop on my own", true, true)
            val secret = p.client.addGoal("Tell my mother about the diagnosis", false, false)
            val over = assertThrows<RapportException.InvalidCheckIn> {
                p.client.recordCheckin(draft().copy(goalRatings = listOf(GoalRating(shared.id, 11u))), "en-US")
            }
            assertEqual("goal_ratings", over.field)
            assertEqual(emptyList<CheckIn>(), p.client.history().checkins, "a refused check-in stores nothing")
            listOf(14L to 3, 7L to 4, 0L to 6).forEach { (n, r) ->
                val rated = listOf(GoalRating(shared.id, r.toUByte()), GoalRating(secret.id, 2u))
                val stored = p.client.recordCheckin(draft(sessionDate = daysAgo(n)).copy(goalRatings = rated), "en-US").checkin
                assertEqual(rated.sortedBy { it.goalId }, stored.goalRatings, "stored in goal id order")
            }
            p.client.recordCheckin(draft(sessionDate = daysAgo(1)), "en-US")
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            val insight = p.therapist.insights().single()
            val progress = insight.goals.single()
            assertEqual(shared.id, progress.goalId)
            assertEqual("Walk to the shop on my own", progress.text)
            check(progress.setInSession)
            assertEqual(listOf(daysAgo(14) to 3, daysAgo(7) to 4, daysAgo(0) to 6), progress.series.map { it.sessionDate to it.rating.toInt() })
            assertEqual(Triple(3.toUByte(), 6.toUByte(), 3.toShort()), Triple(progress.first, progress.latest, progress.changeSinceSet))
            assertEqual(3u, progress.totalRatings, "a check-in without a rating adds none")
            val card = p.therapist.brief(today(), null, "en").cards.single()
            assertEqual(listOf(shared.id), card.goals.map { it.goalId }, "the brief carries the shared goal only")
            assertEqual(listOf(3, 4, 6), card.goals.single().series.map { it.rating.toInt() })
            // Made private later: the therapist's copy is withdrawn on the next sync.
            p.client.setGoalShared(shared.id, false)
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            assertEqual(emptyList<GoalProgress>(), p.therapist.insights().single().goals, "a goal made private is withdrawn")
        }
    }

    test("erasing everything empties the phone and the therapist's copy") {
        val p = paired()
        runBlocking {
            p.client.recordCheckin(draft(ratings(2, 2), Note("only mine", NoteVisibility.PRIVATE)), "en-US")
            p.client.sync(p.relay)
            p.therapist.sync(p.relay)
            check(p.client.exportJson().contains("only mine"))
            check(p.client.exportCsv().lines().first().startsWith("id,session_date"))
            check(!p.client.eraseEverything())
            check(p.client.sync(p.relay).erased)
            check(p.client.history().checkins.isEmpty())
            p.therapist.sync(p.relay)
            val gone = p.therapist.insights().single()
            check(gone.status is ClientStatus.Erased)
            check(gone.sessions.isEmpty() && p.therapist.dashboard().single().checkins.isEmpty())
        }
    }

    test("a revoked client is told; joining needs the current consent") {
        val p = paired()
        runBlocking {
            p.therapist.revokeClient("A.B.", p.relay)
            check(p.client.sync(p.relay).endedByTherapist)
            check(p.client.membership() is Membership.Revoked)
            assertThrows<RapportException.SharingEnded> { p.client.pauseSharing() }
            val invite = p.therapist.inviteClient(p.relay, "C.D.")
            val newcomer = openClient(newDb("newcomer"))
            val consent = newcomer.consent("de-AT")
            assertEqual("de", consent.locale)
            val refused = assertThrows<RapportException.ConsentRequired> { runBlocking { newcomer.join(p.relay, invite.uri, 0u) } }
            assertEqual(consent.version, refused.current)
            newcomer.join(p.relay, invite.uri, consent.version)
        }
    }

    test("the instrument has prompts and labels per locale") {
        val instrument = openClient(newDb("client")).instrument("de-AT")
        assertEqual("de", instrument.locale)
        assertEqual(listOf("heard", "hopeful", "worked_on", "fit"), instrument.items.map { it.id })
        assertEqual("Today I felt listened to", instrument.items[0].prompt["en"])
        assertEqual("Im Moment habe ich Hoffnung, dass es besser werden kann", instrument.items[1].prompt["de"])
        for (item in instrument.items) for (locale in instrument.locales) {
            assertEqual(5, item.scaleLabels.getValue(locale).size, "${item.id}/$locale")
        }
    }

    test("a stored check-in is shown with the words of the edition it answered") {
        val client = openClient(newDb("client"))
        val v1 = InstrumentRef("session-checkin", 1u)
        client.recordCheckin(draft(ratings(4, 1), sessionDate = daysAgo(1)).copy(instrument = v1), "en-US")
        client.recordCheckin(draft(ratings(4, 3)), "en-US")
        val words = client.history().checkins.associate {
            it.instrument.version to client.checkinFormOf(it.instrument, "en").items[1].prompt
        }
        assertEqual(
            mapOf(2u to "Right now I feel hopeful that things can get better", 1u to "I leave feeling more hopeful"),
            words,
        )
        assertThrows<RapportException.InvalidCheckIn> { client.checkinFormOf(InstrumentRef("session-checkin", 9u), "en") }
    }

    val doc = Json.parse(File(vectorsPath).readText()).obj()
    val now = OffsetDateTime.parse(doc["now"].str()).toInstant()
    fun secrets(who: String): DeviceSecrets {
        val keys = doc["keys"].obj()[who].obj()
        return DeviceSecrets(keys["age_secret"].str(), keys["signing_seed_hex"].str())
    }

    for (case in doc["invites"].list().map { it.obj() }) {
        test("invite vector ${case["name"]}") {
            val expect = case["expect"].obj()
            if ("error" in expect) {
                val e = assertThrows<RapportException.InvalidInvite> { parseInvite(case["uri"].str(), now) }
                assertEqual(expect["error"], e.code)
            } else {
                val ok = expect["ok"].obj()
                val info = parseInvite(case["uri"].str(), now)
                assertEqual(ok["relay_url"], info.relayUrl)
                assertEqual(ok["mailbox_id"], info.mailboxId)
                assertEqual(ok["post_token"], info.postToken)
                assertEqual(ok["therapist_device_id"], info.therapistDeviceId)
                assertEqual(OffsetDateTime.parse(ok["expires_at"].str()).toInstant(), info.expiresAt)
            }
        }
    }

    val kinds = mapOf("Hello" to MessageKind.HELLO, "CheckIn" to MessageKind.CHECK_IN,
        "Tombstone" to MessageKind.TOMBSTONE, "Receipt" to MessageKind.RECEIPT)
    for (case in doc["envelopes"].list().map { it.obj() }) {
        test("envelope vector ${case["name"]}") {
            val opener = case["opener"].str()
            val other = if (opener == "therapist") "client" else "therapist"
            val sender = if (case["sender_known"] == true)
                PairedSender(deviceCard(secrets(other)), (case["sender_last_seq"] as Long).toULong()) else null
            val envelope = Base64.getDecoder().decode(case["envelope_b64"].str())
            val expect = case["expect"].obj()
            if ("error" in expect) {
                val e = assertThrows<RapportException.EnvelopeRefused> {
                    openEnvelope(envelope, secrets(opener), case["mailbox"].str(), sender)
                }
                assertEqual(expect["error"], e.code)
            } else {
                val ok = expect["ok"].obj()
                val opened = openEnvelope(envelope, secrets(opener), case["mailbox"].str(), sender)
                assertEqual(kinds[ok["kind"]], opened.kind)
                assertEqual(ok["sender"], opened.sender)
                assertEqual((ok["seq"] as Long).toULong(), opened.seq)
                assertEqual(ok["record_id"], opened.recordId)
                assertEqual((ok["record_version"] as Long).toUInt(), opened.recordVersion)
                assertEqual(ok["body_hex"], hex(opened.body))
                val gap = case["gap"]?.obj()
                if (gap == null) assertEqual(null, opened.gap)
                else assertEqual(SequenceGap((gap["expected"] as Long).toULong(), (gap["received"] as Long).toULong()), opened.gap)
            }
        }
    }
}

fun main(args: Array<String>) {
    require(args.size == 1) { "usage: RapportTests <path to tests/vectors/v1.json>" }
    defineTests(args[0])
    var passed = 0
    var failed = 0
    for ((name, body) in tests) {
        try {
            body()
            passed++
            println("PASS $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace(System.out)
        }
    }
    scratch.deleteRecursively()
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}
