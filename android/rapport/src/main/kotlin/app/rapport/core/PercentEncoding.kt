package app.rapport.core

// HttpTransport's path segments are percent-encoded here. It lived beside the
// crisis sheet's tel:/sms: links, which the library now builds itself.

/** Percent-encodes everything but RFC 3986's unreserved characters, byte by byte in UTF-8. */
internal fun percentEncode(value: String): String {
    val hex = "0123456789ABCDEF"
    val out = StringBuilder()
    for (byte in value.toByteArray(Charsets.UTF_8)) {
        val c = byte.toInt() and 0xff
        val ch = c.toChar()
        if (ch in 'A'..'Z' || ch in 'a'..'z' || ch in '0'..'9' || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            out.append(ch)
        } else {
            out.append('%').append(hex[c shr 4]).append(hex[c and 15])
        }
    }
    return out.toString()
}
