package app.rapport.core

import java.time.LocalDate
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException
import java.time.format.FormatStyle
import java.util.Locale

/**
 * Session dates as a person reads them.
 *
 * The library keeps a session date as `YYYY-MM-DD` in the client's own calendar (a
 * day, not an instant), so it is formatted as a date in the person's locale and
 * never shifted through a time zone.
 */
object SessionDates {
    /** `2026-11-23` as `Nov 23, 2026` (or `23.11.2026`, ...); the raw text if it is not a date. */
    fun display(sessionDate: String, locale: Locale): String = try {
        LocalDate.parse(sessionDate).format(DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM).withLocale(locale))
    } catch (e: DateTimeParseException) {
        sessionDate
    }

    /** `2026-11-23` as a spoken-friendly long form (`November 23, 2026`) for screen readers. */
    fun spoken(sessionDate: String, locale: Locale): String = try {
        LocalDate.parse(sessionDate).format(DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG).withLocale(locale))
    } catch (e: DateTimeParseException) {
        sessionDate
    }

    /** Today's session date for a new check-in, in the device's calendar. */
    fun today(clock: () -> LocalDate = { LocalDate.now() }): String = clock().toString()
}
