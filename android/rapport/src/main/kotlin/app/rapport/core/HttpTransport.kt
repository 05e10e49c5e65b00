package app.rapport.core

import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.InputStream
import java.net.HttpURLConnection
import java.net.URI
import java.net.URL
import java.util.Base64
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.FetchPage
import uniffi.rapport_ffi.FetchedEnvelope
import uniffi.rapport_ffi.MailboxCredentials
import uniffi.rapport_ffi.PostToken
import uniffi.rapport_ffi.RapportException
import uniffi.rapport_ffi.Transport

/**
 * The relay's `/v1` HTTP API over `java.net.HttpURLConnection`, as the library's
 * [Transport].
 *
 * HttpURLConnection rather than OkHttp because it is on every Android device and on
 * the plain JVM, so this exact class is what the tests on this machine exercise
 * against a real relay; an app that already ships OkHttp can implement [Transport]
 * over it with the same [RelayAnswer] mapping.
 *
 * Rapport calls these methods from its own background thread and they block, which
 * is what the library expects (`sync` and `join` are `suspend` on the Kotlin side
 * and never block the caller). Every failure is a [RapportException] the sync
 * engine understands: `Network` (nothing was lost, sync again), `RelayRefused`
 * (with the relay's status and `error` code) or `RateLimited`.
 *
 * Nothing is logged: requests carry bearer tokens and envelopes, and error reasons
 * name the relay's host and the failure, never a token or a body.
 *
 * @param relayUrl the relay's base URL from the account or invite, such as
 *   `https://relay.example.org` (plain `http` is for a loopback relay in development).
 * @param connectTimeoutMillis how long to wait for a connection.
 * @param readTimeoutMillis how long to wait for each read of an answer.
 */
class HttpTransport(
    relayUrl: String,
    private val connectTimeoutMillis: Int = 15_000,
    private val readTimeoutMillis: Int = 30_000,
) : Transport {
    /** The base URL without a trailing slash; requests go to `$baseUrl/v1/...`. */
    val baseUrl: String = checkedBase(relayUrl)

    private val host: String = URI(baseUrl).host

    override fun createMailbox(): MailboxCredentials {
        val json = call("POST", "/mailboxes", token = null, body = EMPTY)
        return MailboxCredentials(RelayAnswer.text(json, "mailbox_id"), RelayAnswer.text(json, "read_token"))
    }

    override fun mintPostToken(mailboxId: String, readToken: String): PostToken {
        val json = call("POST", "/mailboxes/${segment(mailboxId)}/post-tokens", readToken, EMPTY)
        return PostToken(RelayAnswer.text(json, "token_id"), RelayAnswer.text(json, "post_token"))
    }

    override fun revokePostToken(mailboxId: String, readToken: String, tokenId: String) {
        call("DELETE", "/mailboxes/${segment(mailboxId)}/post-tokens/${segment(tokenId)}", readToken, null)
    }

    override fun post(mailboxId: String, postToken: String, envelope: ByteArray): ULong {
        val json = call("POST", "/mailboxes/${segment(mailboxId)}/messages", postToken, envelope)
        return RelayAnswer.unsigned(json, "seq")
    }

    override fun fetch(mailboxId: String, readToken: String, after: ULong, limit: UInt): FetchPage {
        val json = call("GET", "/mailboxes/${segment(mailboxId)}/messages?after=$after&limit=$limit", readToken, null)
        val answer = json as? Map<*, *> ?: throw RelayAnswer.protocol("the answer has no \"messages\"")
        val messages = answer["messages"] as? List<*> ?: throw RelayAnswer.protocol("the answer has no \"messages\"")
        val envelopes = messages.map { item ->
            val message = item as? Map<*, *> ?: throw RelayAnswer.protocol("a message is not an object")
            val seq = message["seq"] as? Long
            if (seq == null || seq < 0) throw RelayAnswer.protocol("a message has no seq")
            val body = message["body"] as? String ?: throw RelayAnswer.protocol("a message has no body")
            val bytes = try {
                Base64.getDecoder().decode(body)
            } catch (e: IllegalArgumentException) {
                throw RelayAnswer.protocol("a message body is not base64")
            }
            FetchedEnvelope(seq.toULong(), bytes)
        }
        return FetchPage(envelopes, answer["more"] as? Boolean ?: false)
    }

    /**
     * Whether the relay answers its health check: for a "connected" badge or a
     * settings screen's "test connection" button. Runs on [dispatcher] (the IO pool
     * unless a test says otherwise) because it blocks on the network, and unlike the
     * [Transport] methods it is called from the app's own coroutines.
     */
    suspend fun isReachable(dispatcher: CoroutineDispatcher = Dispatchers.IO): Boolean = withContext(dispatcher) {
        try {
            (call("GET", "/health", token = null, body = null) as? Map<*, *>)?.get("status") == "ok"
        } catch (e: RapportException) {
            false
        }
    }

    /** Sends one request and returns the JSON of a 2xx answer, or throws the typed error. */
    private fun call(method: String, path: String, token: String?, body: ByteArray?): Any? {
        val connection = try {
            URL("$baseUrl/v1$path").openConnection() as HttpURLConnection
        } catch (e: IOException) {
            throw unreachable(e)
        }
        try {
            connection.requestMethod = method
            connection.connectTimeout = connectTimeoutMillis
            connection.readTimeout = readTimeoutMillis
            connection.useCaches = false
            // A redirect would carry the bearer token to wherever it points; the relay
            // never redirects, so a 3xx is an answer like any other and is refused.
            connection.instanceFollowRedirects = false
            connection.setRequestProperty("Accept", "application/json")
            if (token != null) connection.setRequestProperty("Authorization", "Bearer $token")
            if (body != null) {
                connection.doOutput = true
                connection.setRequestProperty("Content-Type", "application/octet-stream")
                // Buffered, not streamed: envelopes are at most 64 KiB, and in streaming
                // mode the JDK turns a 401 into an HttpRetryException that loses the
                // relay's `error` code.
                connection.outputStream.use { it.write(body) }
            }
            val status = connection.responseCode
            val stream: InputStream? = if (status >= 400) connection.errorStream else connection.inputStream
            val text = stream?.use { readCapped(it) }?.toString(Charsets.UTF_8) ?: ""
            return RelayAnswer.interpret(status, connection.getHeaderField("Retry-After"), text)
        } catch (e: RapportException) {
            connection.disconnect()
            throw e
        } catch (e: IOException) {
            connection.disconnect()
            throw unreachable(e)
        } catch (e: RuntimeException) {
            // HttpURLConnection reports some transport failures (a malformed status
            // line, say) as unchecked exceptions: still "sync again later".
            connection.disconnect()
            throw unreachable(e)
        }
    }

    private fun unreachable(e: Exception): RapportException.Network {
        val what = e.message?.takeIf { it.isNotBlank() } ?: e.javaClass.simpleName
        return RapportException.Network("could not reach the relay at $host ($what): check the connection and sync again")
    }

    /** Reads a whole answer, refusing one far beyond any page the relay sends. */
    private fun readCapped(input: InputStream): ByteArray {
        val out = ByteArrayOutputStream()
        val buffer = ByteArray(16 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) return out.toByteArray()
            if (out.size() + n > MAX_ANSWER_BYTES) throw RelayAnswer.protocol("the answer is larger than $MAX_ANSWER_BYTES bytes")
            out.write(buffer, 0, n)
        }
    }

    companion object {
        /**
         * A fetched page stops at about 4 MiB of envelopes, base64 makes that about
         * 5.6 MB of text; anything much larger is not a relay answer.
         */
        const val MAX_ANSWER_BYTES = 16 * 1024 * 1024

        private val EMPTY = ByteArray(0)

        /** Ids and tokens are base64url; anything else is percent-encoded so it stays one path segment. */
        internal fun segment(value: String): String = percentEncode(value)

        /**
         * The relay URL without trailing slashes, refusing what is not an absolute
         * http(s) URL with a host, so a typo fails here, typed, instead of as an
         * odd network error on the first sync.
         */
        internal fun checkedBase(relayUrl: String): String {
            val trimmed = relayUrl.trim().trimEnd('/')
            val uri = try {
                URI(trimmed)
            } catch (e: java.net.URISyntaxException) {
                null
            }
            val scheme = uri?.scheme?.lowercase()
            if (uri == null || (scheme != "https" && scheme != "http") || uri.host.isNullOrEmpty() ||
                uri.rawQuery != null || uri.rawFragment != null
            ) {
                throw RapportException.Network("\"$relayUrl\" is not a relay address: it should look like https://relay.example.org")
            }
            return trimmed
        }
    }
}
