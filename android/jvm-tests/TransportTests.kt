// The Android library's HTTP transport and its pure helpers, on the JVM: first
// against a real relay process (the real status codes, the real JSON), then
// against a scripted server for the answers a healthy relay rarely gives. Every
// error must arrive as the typed RapportException the sync engine acts on, the
// way the CLI's client (cli/src/http.rs) maps the same answers.
//
// Usage: TransportTestsKt <path to the rapport binary>
package app.rapport.jvmtests

import app.rapport.core.HttpTransport
import app.rapport.core.Problem
import app.rapport.core.RelayJson
import app.rapport.core.ScreenState
import app.rapport.core.SessionDates
import java.util.Locale
import kotlinx.coroutines.runBlocking
import uniffi.rapport_ffi.RapportException

private fun refused(block: () -> Unit): RapportException.RelayRefused = assertThrows(block)

private fun scripted(status: Int, body: String = "", headers: Map<String, String> = emptyMap()): ScriptedServer =
    ScriptedServer().apply { reply = { ScriptedServer.Reply(status, body, headers) } }

private fun error(code: String, detail: String) = """{"error":"$code","detail":"$detail"}"""

fun defineTransportTests(suite: Suite, relay: LocalRelay) = with(suite) {
    // ---- against the real relay ------------------------------------------

    test("mailbox, post token, post and paged fetch round-trip through the real relay") {
        val http = HttpTransport(relay.url)
        val box = http.createMailbox()
        check(box.mailboxId.isNotEmpty() && box.readToken.isNotEmpty())
        val token = http.mintPostToken(box.mailboxId, box.readToken)
        val first = ByteArray(256) { it.toByte() }
        val second = "second envelope".toByteArray()
        assertEqual(1uL, http.post(box.mailboxId, token.postToken, first), "first seq")
        assertEqual(2uL, http.post(box.mailboxId, token.postToken, second), "second seq")
        val page = http.fetch(box.mailboxId, box.readToken, 0u, 1u)
        assertEqual(listOf(1uL), page.messages.map { it.seq })
        check(page.messages.single().body.contentEquals(first)) { "binary body changed on the way" }
        check(page.more) { "a one-message page of two should say more" }
        val rest = http.fetch(box.mailboxId, box.readToken, 1u, 100u)
        assertEqual(listOf(2uL), rest.messages.map { it.seq })
        check(rest.messages.single().body.contentEquals(second))
        check(!rest.more)
    }

    test("a revoked post token is RelayRefused 403 token_revoked, as the sync engine expects") {
        val http = HttpTransport(relay.url)
        val box = http.createMailbox()
        val token = http.mintPostToken(box.mailboxId, box.readToken)
        http.revokePostToken(box.mailboxId, box.readToken, token.tokenId)
        http.revokePostToken(box.mailboxId, box.readToken, token.tokenId) // twice is fine
        val e = refused { http.post(box.mailboxId, token.postToken, byteArrayOf(1)) }
        assertEqual(403.toUShort(), e.status)
        assertEqual("token_revoked", e.code)
        check(e.reason.isNotBlank())
    }

    test("another mailbox's read token is RelayRefused 403 forbidden") {
        val http = HttpTransport(relay.url)
        val mine = http.createMailbox()
        val theirs = http.createMailbox()
        val e = refused { http.fetch(theirs.mailboxId, mine.readToken, 0u, 10u) }
        assertEqual(403.toUShort(), e.status)
        assertEqual("forbidden", e.code)
    }

    test("a token the relay could not have issued is RelayRefused 401 unauthorized, also on a POST") {
        val http = HttpTransport(relay.url)
        val box = http.createMailbox()
        val e = refused { http.post(box.mailboxId, "not-a-token", byteArrayOf(1, 2, 3)) }
        assertEqual(401.toUShort(), e.status)
        assertEqual("unauthorized", e.code)
    }

    test("an envelope over the relay's 64 KiB limit is RelayRefused 413 too_large") {
        val http = HttpTransport(relay.url)
        val box = http.createMailbox()
        val token = http.mintPostToken(box.mailboxId, box.readToken)
        val e = refused { http.post(box.mailboxId, token.postToken, ByteArray(64 * 1024 + 1)) }
        assertEqual(413.toUShort(), e.status)
        assertEqual("too_large", e.code)
        assertEqual(0, http.fetch(box.mailboxId, box.readToken, 0u, 10u).messages.size, "nothing stored")
    }

    test("isReachable runs on the IO dispatcher: true for the relay, false for a closed port") {
        runBlocking {
            check(HttpTransport(relay.url).isReachable()) { "the running relay should be reachable" }
            check(!HttpTransport("http://127.0.0.1:${closedPort()}", connectTimeoutMillis = 1000).isReachable())
        }
    }

    // ---- against a scripted server ---------------------------------------

    test("requests carry the method, path, query, bearer token and exact body the relay API names") {
        ScriptedServer().use { server ->
            server.reply = { request ->
                when {
                    request.path.endsWith("/messages") && request.method == "POST" -> ScriptedServer.Reply(201, """{"seq": 7}""")
                    request.path.endsWith("/messages") -> ScriptedServer.Reply(200, """{"messages": [], "more": false}""")
                    request.path.endsWith("/post-tokens") -> ScriptedServer.Reply(201, """{"token_id":"t1","post_token":"p1"}""")
                    request.method == "DELETE" -> ScriptedServer.Reply(204)
                    else -> ScriptedServer.Reply(201, """{"mailbox_id":"m1","read_token":"r1"}""")
                }
            }
            val http = HttpTransport(server.url + "/")
            assertEqual("m1", http.createMailbox().mailboxId)
            assertEqual("p1", http.mintPostToken("m1", "r1").postToken)
            assertEqual(7uL, http.post("m1", "p1", byteArrayOf(0, 1, 2, -1)))
            http.fetch("m1", "r1", 18446744073709551615uL, 500u)
            http.revokePostToken("m1", "r1", "t1")
            val seen = server.requests.map { "${it.method} ${it.path}${it.query?.let { q -> "?$q" } ?: ""} ${it.authorization}" }
            assertEqual(
                listOf(
                    "POST /v1/mailboxes null",
                    "POST /v1/mailboxes/m1/post-tokens Bearer r1",
                    "POST /v1/mailboxes/m1/messages Bearer p1",
                    "GET /v1/mailboxes/m1/messages?after=18446744073709551615&limit=500 Bearer r1",
                    "DELETE /v1/mailboxes/m1/post-tokens/t1 Bearer r1",
                ),
                seen,
            )
            val posted = server.requests[2]
            assertEqual("application/octet-stream", posted.contentType)
            check(posted.body.contentEquals(byteArrayOf(0, 1, 2, -1))) { "the envelope changed on the way" }
            assertEqual(0, server.requests[0].body.size, "mailbox creation sends no body")
        }
    }

    test("an id with a slash stays one path segment") {
        scripted(201, """{"token_id":"t","post_token":"p"}""").use { server ->
            HttpTransport(server.url).mintPostToken("a/../b", "r")
            assertEqual("/v1/mailboxes/a%2F..%2Fb/post-tokens", server.requests.single().path)
        }
    }

    test("403 forbidden from the relay is RelayRefused with its code and detail") {
        scripted(403, error("forbidden", "this token cannot read that mailbox")).use { server ->
            val e = refused { HttpTransport(server.url).fetch("m", "r", 0u, 10u) }
            assertEqual(403.toUShort(), e.status)
            assertEqual("forbidden", e.code)
            assertEqual("this token cannot read that mailbox", e.reason)
        }
    }

    test("401 on a POST keeps the relay's unauthorized code") {
        scripted(401, error("unauthorized", "no bearer token"), mapOf("WWW-Authenticate" to "Bearer")).use { server ->
            val e = refused { HttpTransport(server.url).post("m", "p", byteArrayOf(9)) }
            assertEqual(401.toUShort(), e.status)
            assertEqual("unauthorized", e.code)
        }
    }

    test("413 too_large is RelayRefused") {
        scripted(413, error("too_large", "the body is over 65536 bytes")).use { server ->
            val e = refused { HttpTransport(server.url).post("m", "p", byteArrayOf(1)) }
            assertEqual(413.toUShort(), e.status)
            assertEqual("too_large", e.code)
        }
    }

    test("507 mailbox_full is RelayRefused so the owner is told to sync and prune") {
        scripted(507, error("mailbox_full", "the mailbox is full")).use { server ->
            val e = refused { HttpTransport(server.url).post("m", "p", byteArrayOf(1)) }
            assertEqual(507.toUShort(), e.status)
            assertEqual("mailbox_full", e.code)
        }
    }

    test("429 is RateLimited with Retry-After's seconds, and 1 second when the header is missing") {
        scripted(429, error("rate_limited", "slow down"), mapOf("Retry-After" to "7")).use { server ->
            val e = assertThrows<RapportException.RateLimited> { HttpTransport(server.url).fetch("m", "r", 0u, 10u) }
            assertEqual(7uL, e.retryAfterSecs)
        }
        scripted(429, error("rate_limited", "slow down")).use { server ->
            val e = assertThrows<RapportException.RateLimited> { HttpTransport(server.url).fetch("m", "r", 0u, 10u) }
            assertEqual(1uL, e.retryAfterSecs)
        }
    }

    test("a 200 whose body is not JSON (a captive portal) is Network, as in the CLI") {
        scripted(200, "<html><body>Sign in to the hotel Wi-Fi</body></html>").use { server ->
            val e = assertThrows<RapportException.Network> { HttpTransport(server.url).createMailbox() }
            check(e.reason.contains("not JSON")) { e.reason }
        }
    }

    test("an error status with a body that is not JSON is Network, and one with no body is RelayRefused") {
        scripted(502, "<html>Bad Gateway</html>").use { server ->
            assertThrows<RapportException.Network> { HttpTransport(server.url).fetch("m", "r", 0u, 10u) }
        }
        scripted(500).use { server ->
            val e = refused { HttpTransport(server.url).fetch("m", "r", 0u, 10u) }
            assertEqual(500.toUShort(), e.status)
            assertEqual("error", e.code)
            assertEqual("the relay gave no reason", e.reason)
        }
    }

    test("a success missing a field, or with a body that is not base64, is Network naming the problem") {
        scripted(201, """{"mailbox_id":"m"}""").use { server ->
            val e = assertThrows<RapportException.Network> { HttpTransport(server.url).createMailbox() }
            check(e.reason.contains("read_token")) { e.reason }
        }
        scripted(201, """{"seq": -1}""").use { server ->
            assertThrows<RapportException.Network> { HttpTransport(server.url).post("m", "p", byteArrayOf(1)) }
        }
        scripted(200, """{"messages":[{"seq":1,"body":"***"}],"more":false}""").use { server ->
            val e = assertThrows<RapportException.Network> { HttpTransport(server.url).fetch("m", "r", 0u, 10u) }
            check(e.reason.contains("base64")) { e.reason }
        }
    }

    test("a refused connection is Network and says what to do") {
        val e = assertThrows<RapportException.Network> { HttpTransport("http://127.0.0.1:${closedPort()}").createMailbox() }
        check(e.reason.contains("127.0.0.1") && e.reason.contains("sync again")) { e.reason }
    }

    test("a relay that stalls past the read timeout is Network") {
        ScriptedServer().use { server ->
            server.reply = { ScriptedServer.Reply(200, "{}", delayMillis = 1500) }
            assertThrows<RapportException.Network> { HttpTransport(server.url, readTimeoutMillis = 200).fetch("m", "r", 0u, 1u) }
        }
    }

    test("a redirect is not followed, so the bearer token never travels elsewhere") {
        scripted(302, "", mapOf("Location" to "http://127.0.0.1:9/steal")).use { server ->
            val e = refused { HttpTransport(server.url).fetch("m", "secret-read-token", 0u, 1u) }
            assertEqual(302.toUShort(), e.status)
            assertEqual(1, server.requests.size)
        }
    }

    test("a relay address that is not http(s) with a host is refused, typed, before any request") {
        for (bad in listOf("relay.example.org", "ftp://relay.example.org", "https://", "https://relay.example.org/?x=1", "")) {
            assertThrows<RapportException.Network> { HttpTransport(bad) }
        }
        assertEqual("https://relay.example.org/base", HttpTransport("https://relay.example.org/base//").baseUrl)
    }

    test("error reasons never contain the bearer token") {
        scripted(403, error("forbidden", "no")).use { server ->
            val e = refused { HttpTransport(server.url).fetch("m", "secret-read-token", 0u, 1u) }
            check("secret-read-token" !in e.reason && "secret-read-token" !in e.message.orEmpty())
        }
        val offline = assertThrows<RapportException.Network> {
            HttpTransport("http://127.0.0.1:${closedPort()}").fetch("m", "secret-read-token", 0u, 1u)
        }
        check("secret-read-token" !in offline.reason)
    }

    // ---- pure helpers ----------------------------------------------------

    test("the relay JSON reader is strict: one value, no trailing text, bounded depth") {
        assertEqual(
            mapOf("a" to listOf(1L, -2L, 2.5, true, false, null), "s" to "\u00e9\n\"/"),
            RelayJson.parse(""" { "a": [1, -2, 2.5, true, false, null], "s": "\u00e9\n\"\/" } """),
        )
        for (bad in listOf("", "{", "{}x", "{'a':1}", "[1,]", "01x", "\"\u0001\"", "[".repeat(100) + "]".repeat(100), "nul")) {
            assertThrows<RelayJson.Malformed> { RelayJson.parse(bad) }
        }
    }

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
    require(args.size == 1) { "usage: TransportTestsKt <path to the rapport binary>" }
    val suite = Suite()
    val relay = LocalRelay(args[0])
    defineTransportTests(suite, relay)
    suite.runAndExit { relay.close() }
}
