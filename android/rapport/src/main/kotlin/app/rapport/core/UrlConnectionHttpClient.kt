package app.rapport.core

import java.io.ByteArrayOutputStream
import java.io.IOException
import java.io.InputStream
import java.net.HttpURLConnection
import java.net.SocketTimeoutException
import java.net.URL
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.HttpException
import uniffi.rapport_ffi.HttpHeader
import uniffi.rapport_ffi.HttpRequest
import uniffi.rapport_ffi.HttpResponse

/**
 * The one HTTP call Rapport asks of the app, over `java.net.HttpURLConnection`.
 *
 * Rapport builds every request of the relay's API and reads every answer itself
 * (the same code on iOS, Android and the command line), so this class only sends
 * the request it is given and hands back whatever status, headers and body come
 * back. HttpURLConnection rather than OkHttp because it is on every Android device
 * and on the plain JVM, so this exact class is what the tests on this machine
 * exercise against a real relay; an app that ships OkHttp implements [HttpClient]
 * over it in the same few lines.
 *
 * Called by the library from its own background thread; it blocks. Redirects are
 * never followed (a redirect would carry the bearer token elsewhere), nothing is
 * cached, and nothing is logged: requests carry tokens and envelopes.
 */
class UrlConnectionHttpClient : HttpClient {
    override fun send(request: HttpRequest): HttpResponse {
        val timeout = request.timeoutMs.toLong().coerceIn(1L, Int.MAX_VALUE.toLong()).toInt()
        val connection = try {
            URL(request.url).openConnection() as HttpURLConnection
        } catch (e: IOException) {
            throw unreachable(request, e)
        }
        try {
            connection.requestMethod = request.method
            connection.connectTimeout = timeout
            connection.readTimeout = timeout
            connection.useCaches = false
            connection.instanceFollowRedirects = false
            for (header in request.headers) connection.setRequestProperty(header.name, header.value)
            if (request.body.isNotEmpty() || request.method == "POST") {
                connection.doOutput = true
                // Buffered, not streamed: envelopes are small, and in streaming mode the
                // JDK turns some error answers into exceptions that lose the body.
                connection.outputStream.use { it.write(request.body) }
            }
            val status = connection.responseCode
            // The error stream holds the body of an error answer; the input stream that
            // of any other. Which is which is the JDK's call, not a status range here.
            val stream: InputStream? = connection.errorStream ?: try {
                connection.inputStream
            } catch (e: IOException) {
                null
            }
            val body = stream?.use { readCapped(it) } ?: ByteArray(0)
            val headers = connection.headerFields.flatMap { (name, values) ->
                if (name == null) emptyList() else values.map { HttpHeader(name, it) }
            }
            return HttpResponse(status.toUShort(), headers, body)
        } catch (e: HttpException) {
            throw e
        } catch (e: SocketTimeoutException) {
            throw HttpException.TimedOut("no answer from ${hostOf(request)} within ${timeout / 1000.0} s")
        } catch (e: IOException) {
            throw unreachable(request, e)
        } catch (e: RuntimeException) {
            // HttpURLConnection reports some transport failures (a malformed status
            // line, say) as unchecked exceptions: still "no answer".
            throw unreachable(request, e)
        } finally {
            connection.disconnect()
        }
    }

    private fun hostOf(request: HttpRequest): String = runCatching { URL(request.url).host }.getOrDefault("the relay")

    private fun unreachable(request: HttpRequest, e: Exception): HttpException.Unreachable {
        val what = e.message?.takeIf { it.isNotBlank() } ?: e.javaClass.simpleName
        return HttpException.Unreachable("could not reach ${hostOf(request)} ($what)")
    }

    /** Reads a whole answer, refusing one far beyond any page the relay sends. */
    private fun readCapped(input: InputStream): ByteArray {
        val out = ByteArrayOutputStream()
        val buffer = ByteArray(16 * 1024)
        while (true) {
            val n = input.read(buffer)
            if (n < 0) return out.toByteArray()
            if (out.size() + n > MAX_ANSWER_BYTES) throw HttpException.Unreachable("the answer is larger than $MAX_ANSWER_BYTES bytes")
            out.write(buffer, 0, n)
        }
    }

    companion object {
        /** A fetched page is about 5.6 MB of base64 at most; anything much larger is not the relay. */
        const val MAX_ANSWER_BYTES = 16 * 1024 * 1024
    }
}
