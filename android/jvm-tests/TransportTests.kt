// The Android library's HTTP client and its pure helpers, on the JVM: the
// library's relay protocol over UrlConnectionHttpClient against a real relay
// process (the real status codes, the real JSON), the platform call itself
// against a scripted server (redirects, stalls, exact bytes), and the shared
// answer table (tests/vectors/relay-answers.json) through a scripted Kotlin
// HttpClient, exactly as Rust and Python run it.
//
// Usage: TransportTestsKt <path to the rapport binary> <path to relay-answers.json>
package app.rapport.jvmtests

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.SessionDates
import app.rapport.core.UrlConnectionHttpClient
import com.google.gson.JsonObject
import com.google.gson.JsonParser
import java.io.File
import java.util.Locale
import kotlinx.coroutines.runBlocking
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.HttpException
import uniffi.rapport_ffi.HttpHeader
import uniffi.rapport_ffi.HttpRequest
import uniffi.rapport_ffi.HttpResponse
import uniffi.rapport_ffi.RapportException
import uniffi.rapport_ffi.RelayConnection
import uniffi.rapport_ffi.TherapistApp

private fun refused(block: () -> Unit): RapportException.RelayRefused = assertThrows(block)

private fun scripted(status: Int, body: String = "", headers: Map<String, String> = emptyMap(), delayMillis: Long = 0): ScriptedServer =
    ScriptedServer().apply { reply = { ScriptedServer.Reply(status, body, headers, delayMillis) } }

/** One request through the platform call alone. */
private fun request(url: String, method: String = "POST", body: ByteArray = ByteArray(0), timeoutMs: ULong = 5000u) =
    HttpRequest(method, url, listOf(HttpHeader("authorization", "Bearer secret-token")), body, timeoutMs)

/** Answers with one case of the shared table and keeps every request. */
private class Scripted(val answer: JsonObject) : HttpClient {
    val seen = ArrayList<HttpRequest>()

    override fun send(request: HttpRequest): HttpResponse {
        seen.add(request)
        when (answer.get("failure")?.asString) {
            "unreachable" -> throw HttpException.Unreachable("connection refused")
            "timed_out" -> throw HttpException.TimedOut("no answer in time")
        }
        val body = answer.get("body_hex")?.asString?.chunked(2)?.map { it.toInt(16).toByte() }?.toByteArray()
            ?: answer.get("body").asString.toByteArray()
        val headers = answer.getAsJsonObject("headers").entrySet().map { HttpHeader(it.key, it.value.asString) }
        return HttpResponse(answer.get("status").asInt.toUShort(), headers, body)
    }
}

private fun ByteArray.hex(): String = joinToString("") { "%02x".format(it) }

/** The case's call on [relay], as the table's `ok` would spell its result. */
private fun call(relay: RelayConnection, name: String): Any? = when (name) {
    "create_mailbox" -> relay.createMailbox().let { mapOf("mailbox_id" to it.mailboxId, "read_token" to it.readToken) }
    "mint_post_token" -> relay.mintPostToken("mbx/1", "read-1").let { mapOf("token_id" to it.tokenId, "post_token" to it.postToken) }
    "revoke_post_token" -> relay.revokePostToken("mbx/1", "read-1", "tid-1").let { null }
    "post" -> relay.post("mbx/1", "post-1", "hello".toByteArray()).toString()
    "fetch" -> relay.fetch("mbx/1", "read-1", 5u, 50u).let { page ->
        mapOf("seqs" to page.messages.map { it.seq.toString() }, "bodies_hex" to page.messages.map { it.body.hex() }, "more" to page.more)
    }
    else -> throw AssertionError("unknown call $name")
}

/** The table's `ok` in the same shape (numbers as text, so a u64 stays exact). */
private fun expected(ok: com.google.gson.JsonElement?): Any? = when {
    ok == null || ok.isJsonNull -> null
    ok.isJsonPrimitive && ok.asJsonPrimitive.isBoolean -> ok.asBoolean
    ok.isJsonPrimitive && ok.asJsonPrimitive.isNumber -> ok.asBigInteger.toString()
    ok.isJsonPrimitive -> ok.asString
    ok.isJsonArray -> ok.asJsonArray.map { expected(it) }
    else -> ok.asJsonObject.entrySet().associate { it.key to expected(it.value) }
}

fun defineTransportTests(suite: Suite, relay: LocalRelay, answers: File) = with(suite) {
    val http = UrlConnectionHttpClient()

    // ---- the library's protocol over this client, against the real relay --

    test("mailbox, post token, post and paged fetch round-trip through the real relay") {
        val connection = RelayConnection(relay.url, http)
        val box = connection.createMailbox()
        check(box.mailboxId.isNotEmpty() && box.readToken.isNotEmpty())
        val token = connection.mintPostToken(box.mailboxId, box.readToken)
        val first = ByteArray(256) { it.toByte() }
        val second = "second envelope".toByteArray()
        assertEqual(1uL, connection.post(box.mailboxId, token.postToken, first), "first seq")
        assertEqual(2uL, connection.post(box.mailboxId, token.postToken, second), "second seq")
        val page = connection.fetch(box.mailboxId, box.readToken, 0u, 1u)
        assertEqual(listOf(1uL), page.messages.map { it.seq })
        check(page.messages.single().body.contentEquals(first)) { "binary body changed on the way" }
        check(page.more) { "a one-message page of two should say more" }
        val rest = connection.fetch(box.mailboxId, box.readToken, 1u, 100u)
        assertEqual(listOf(2uL), rest.messages.map { it.seq })
        check(rest.messages.single().body.contentEquals(second))
        check(!rest.more)
    }

    test("a revoked post token is RelayRefused 403 token_revoked, as the sync engine expects") {
        val connection = RelayConnection(relay.url, http)
        val box = connection.createMailbox()
        val token = connection.mintPostToken(box.mailboxId, box.readToken)
        connection.revokePostToken(box.mailboxId, box.readToken, token.tokenId)
        connection.revokePostToken(box.mailboxId, box.readToken, token.tokenId) // twice is fine
        val e = refused { connection.post(box.mailboxId, token.postToken, byteArrayOf(1)) }
        assertEqual(403.toUShort(), e.status)
        assertEqual("token_revoked", e.code)
        check(e.reason.isNotBlank())
    }

    test("another mailbox's read token is RelayRefused 403 forbidden") {
        val connection = RelayConnection(relay.url, http)
        val mine = connection.createMailbox()
        val theirs = connection.createMailbox()
        val e = refused { connection.fetch(theirs.mailboxId, mine.readToken, 0u, 10u) }
        assertEqual(403.toUShort() to "forbidden", e.status to e.code)
    }

    test("a token the relay could not have issued is RelayRefused 401 unauthorized, also on a POST") {
        val connection = RelayConnection(relay.url, http)
        val box = connection.createMailbox()
        val e = refused { connection.post(box.mailboxId, "not-a-token", byteArrayOf(1, 2, 3)) }
        assertEqual(401.toUShort() to "unauthorized", e.status to e.code)
    }

    test("an envelope over the relay's 64 KiB limit is RelayRefused 413 too_large") {
        val connection = RelayConnection(relay.url, http)
        val box = connection.createMailbox()
        val token = connection.mintPostToken(box.mailboxId, box.readToken)
        val e = refused { connection.post(box.mailboxId, token.postToken, ByteArray(64 * 1024 + 1)) }
        assertEqual(413.toUShort() to "too_large", e.status to e.code)
        assertEqual(0, connection.fetch(box.mailboxId, box.readToken, 0u, 10u).messages.size, "nothing stored")
    }

    test("isReachable: true for the relay, false for a closed port") {
        runBlocking {
            check(RelayConnection(relay.url, http).isReachable()) { "the running relay should be reachable" }
            check(!RelayConnection("http://127.0.0.1:${closedPort()}", http).isReachable())
        }
    }

    // ---- the platform call alone, against a scripted server ---------------

    test("the client sends the method, URL, headers and exact body it is given") {
        scripted(201, """{"seq": 7}""").use { server ->
            val answer = http.send(request("${server.url}/v1/mailboxes/m1/messages?after=1", body = byteArrayOf(0, 1, 2, -1)))
            assertEqual(201.toUShort(), answer.status)
            assertEqual("""{"seq": 7}""", answer.body.toString(Charsets.UTF_8))
            val seen = server.requests.single()
            assertEqual("POST /v1/mailboxes/m1/messages after=1 Bearer secret-token", "${seen.method} ${seen.path} ${seen.query} ${seen.authorization}")
            check(seen.body.contentEquals(byteArrayOf(0, 1, 2, -1))) { "the body changed on the way" }
        }
    }

    test("an error status comes back as an answer with its body and headers, not an exception") {
        scripted(429, """{"error":"rate_limited","detail":"wait"}""", mapOf("Retry-After" to "7")).use { server ->
            val answer = http.send(request(server.url, method = "GET"))
            assertEqual(429.toUShort(), answer.status)
            assertEqual("7", answer.headers.first { it.name.equals("retry-after", ignoreCase = true) }.value)
            check(answer.body.toString(Charsets.UTF_8).contains("rate_limited"))
        }
    }

    test("a redirect is handed back, never followed, so the bearer token goes nowhere else") {
        scripted(302, headers = mapOf("Location" to "http://127.0.0.1:${closedPort()}/steal")).use { server ->
            val answer = http.send(request(server.url))
            assertEqual(302.toUShort(), answer.status)
            assertEqual(1, server.requests.size)
        }
    }

    test("a relay that stalls past the timeout is TimedOut; a closed port is Unreachable") {
        scripted(200, "{}", delayMillis = 3000).use { server ->
            assertThrows<HttpException.TimedOut> { http.send(request(server.url, timeoutMs = 300u)) }
        }
        val e = assertThrows<HttpException.Unreachable> { http.send(request("http://127.0.0.1:${closedPort()}")) }
        check("secret-token" !in e.reason) { "a token in the reason: ${e.reason}" }
    }

    test("through the library, a stall and a closed port are Network and name no token") {
        scripted(200, "{}", delayMillis = 3000).use { server ->
            val e = assertThrows<RapportException.Network> {
                RelayConnection(server.url, object : HttpClient {
                    override fun send(request: HttpRequest) = http.send(request.copy(timeoutMs = 300u))
                }).fetch("m", "secret-read-token", 0u, 1u)
            }
            check("secret-read-token" !in e.reason)
        }
        val offline = assertThrows<RapportException.Network> {
            RelayConnection("http://127.0.0.1:${closedPort()}", http).fetch("m", "secret-read-token", 0u, 1u)
        }
        check("secret-read-token" !in offline.reason)
    }

    // ---- the shared answer table -------------------------------------------

    val table = JsonParser.parseString(answers.readText()).asJsonObject
    val cases = table.getAsJsonArray("cases").map { it.asJsonObject }
    test("the answer table is all there (${cases.size} cases)") { check(cases.size >= 40) }
    for (case in cases) {
        test("relay answer: ${case.get("name").asString}") {
            val scriptedClient = Scripted(case.getAsJsonObject("answer"))
            val connection = RelayConnection(table.get("relay").asString, scriptedClient)
            val expect = case.getAsJsonObject("expect")
            val callName = case.get("call").asString
            when (expect.get("error")?.asString) {
                null -> assertEqual(expected(expect.get("ok")), call(connection, callName))
                "unreachable", "protocol" -> assertThrows<RapportException.Network> { call(connection, callName) }
                "refused" -> {
                    val e = refused { call(connection, callName) }
                    assertEqual(expect.get("status").asInt to expect.get("code").asString, e.status.toInt() to e.code)
                }
                "rate_limited" -> {
                    val e = assertThrows<RapportException.RateLimited> { call(connection, callName) }
                    assertEqual(expect.get("retry_after_secs").asLong.toULong(), e.retryAfterSecs)
                }
                else -> throw AssertionError("unknown expectation $expect")
            }
            val sent = scriptedClient.seen.single()
            case.getAsJsonObject("request")?.let { want ->
                assertEqual(want.get("method").asString to want.get("url").asString, sent.method to sent.url)
                val auth = sent.headers.firstOrNull { it.name == "authorization" }?.value
                assertEqual(want.get("authorization").takeUnless { it.isJsonNull }?.asString, auth)
                assertEqual(want.get("body").asString, sent.body.toString(Charsets.UTF_8))
            }
            check("read-1" !in sent.url && "post-1" !in sent.url) { "a token in the URL" }
        }
    }

    // ---- the relay-address rule, from core ----------------------------------

    test("a relay address Rapport will not use is InvalidRelayUrl with the core's code, and nothing is sent") {
        for ((url, code) in listOf(
            "http://relay.example.org" to "plain_http",
            "http://127.0.0.1.attacker.example" to "plain_http",
            "ftp://relay.example.org" to "scheme",
            "relay.example.org" to "not_a_url",
            "https://me:pw@relay.example.org" to "credentials",
        )) {
            val never = Scripted(JsonObject())
            val refused = assertThrows<RapportException.InvalidRelayUrl> { RelayConnection(url, never) }
            assertEqual(code, refused.code, url)
            val therapist = TherapistApp.openWithPassphrase(newPath("t.db"), "pass phrase", WORK_FACTOR)
            val e = assertThrows<RapportException.InvalidRelayUrl> { runBlocking { therapist.setUp(never, url, "Dr. R") } }
            assertEqual(code, e.code, url)
            check(therapist.account() == null) { "$url: set up anyway" }
            check(never.seen.isEmpty()) { "$url: something was sent" }
        }
        assertEqual("https://relay.example.org/base", RelayConnection("https://relay.example.org/base//", http).relayUrl())
    }

    // ---- pure helpers ----------------------------------------------------

    test("session dates read in the person's locale, and a non-date stays as given") {
        assertEqual("Nov 23, 2026", SessionDates.display("2026-11-23", Locale.US))
        assertEqual("23.11.2026", SessionDates.display("2026-11-23", Locale.GERMANY))
        assertEqual("November 23, 2026", SessionDates.spoken("2026-11-23", Locale.US))
        assertEqual("someday", SessionDates.display("someday", Locale.US))
    }

    test("every library error becomes the screen problem it calls for") {
        assertEqual(Problem.Kind.OFFLINE, Problem.of(RapportException.Network("offline")).kind)
        val refused = Problem.of(RapportException.RelayRefused(403u, "token_revoked", "revoked"))
        assertEqual(Problem.Kind.REFUSED to "token_revoked", refused.kind to refused.code)
        assertEqual(30uL, Problem.of(RapportException.RateLimited(30u, "slow")).retryAfterSecs)
        val field = Problem.of(RapportException.InvalidCheckIn("hopeful", "rate it from 1 to 5"))
        assertEqual(Problem.Kind.INVALID_CHECKIN to "hopeful", field.kind to field.field)
        assertEqual("expired", Problem.of(RapportException.InvalidInvite("expired", "ask again")).code)
        val address = Problem.of(RapportException.InvalidRelayUrl("plain_http", "use https"))
        assertEqual(Problem.Kind.INVALID_RELAY_URL to "plain_http", address.kind to address.code)
        assertEqual(Problem.Kind.LOCKED, Problem.of(RapportException.KeyUnavailable("locked")).kind)
        assertEqual(Problem.Kind.LOCKED, Problem.of(RapportException.WrongPassphrase("again")).kind)
        assertEqual(Problem.Kind.NOT_SET_UP, Problem.of(RapportException.NotSetUp("join first")).kind)
        assertEqual(Problem.Kind.CONSENT_REQUIRED, Problem.of(RapportException.ConsentRequired(2u, "read the new text")).kind)
        assertEqual(Problem.Kind.SHARING_ENDED, Problem.of(RapportException.SharingEnded("ended")).kind)
        assertEqual(Problem.Kind.NOT_FOUND, Problem.of(RapportException.NotFound("no such flag")).kind)
        val storage = Problem.of(RapportException.Storage("disk full: free some space"))
        assertEqual(Problem.Kind.OTHER to "disk full: free some space", storage.kind to storage.reason)
    }

    test("screen state tells observers at once and after each change, until they stop listening") {
        val state = ScreenState(1)
        val seen = ArrayList<Int>()
        val subscription = state.observe { seen.add(it) }
        state.update { it + 1 }
        subscription.close()
        state.update { it + 1 }
        assertEqual(listOf(1, 2), seen)
        assertEqual(3, state.value)
    }
}

fun main(args: Array<String>) {
    require(args.size == 2) { "usage: TransportTestsKt <path to the rapport binary> <path to relay-answers.json>" }
    val suite = Suite()
    val relay = LocalRelay(args[0])
    defineTransportTests(suite, relay, File(args[1]))
    suite.runAndExit { relay.close() }
}
