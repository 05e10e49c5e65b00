package app.rapport.core.screens

import uniffi.rapport_ffi.CrisisContactKind
import uniffi.rapport_ffi.CrisisResources
import uniffi.rapport_ffi.DialableNumber
import uniffi.rapport_ffi.SafetyReason

/**
 * What the crisis-resources sheet shows: the emergency number and the crisis
 * lines for the client's region, each with a link that starts the call or text.
 *
 * The resources come from the library (bundled, offline, dated and sourced), never
 * from the network, so the sheet opens with no connection at all; so do the
 * numbers to dial and the `tel:`/`sms:` links, which this sheet only passes on.
 */
data class CrisisSheet(
    /** Why the sheet opened; `null` when the client pressed "I need support now". */
    val reason: SafetyReason?,
    /** The local emergency number as the library prints it (`999`, or `112 / 911` for the fallback). */
    val emergencyNumber: String,
    /** Each emergency number in [emergencyNumber] with its `tel:` link ([DialableNumber.uri]), one button each. */
    val emergencyNumbers: List<DialableNumber>,
    /** The crisis lines, in the order the data lists them. */
    val lines: List<CrisisContact>,
    /** "Rapport is not monitored in real time", in the client's language. */
    val notMonitored: String,
    /** The region the lines are for, when known. */
    val region: String?,
    /**
     * The locale names no country the library has checked lines for, so it gives
     * only emergency advice (no lines): the screen says so, and suggests setting the
     * device's region, rather than showing a line that may not serve the person.
     */
    val isFallback: Boolean,
    /** The locale the resources are in. */
    val locale: String,
    /** Version of the bundled crisis data, shown small for support requests. */
    val dataVersion: UInt,
) {
    companion object {
        /** The sheet for [resources], opened because of [reason]. */
        fun from(resources: CrisisResources, reason: SafetyReason?): CrisisSheet = CrisisSheet(
            reason = reason,
            emergencyNumber = resources.emergencyNumber,
            emergencyNumbers = resources.emergencyNumbers,
            lines = resources.lines.map { line ->
                val isText = line.kind == CrisisContactKind.TEXT
                CrisisContact(
                    name = line.name,
                    isText = isText,
                    contact = line.contact,
                    textBody = line.textBody,
                    uri = line.uri,
                    hours = line.hours,
                    alwaysOpen = line.alwaysOpen,
                    sourceUrl = line.sourceUrl,
                    verifiedOn = line.verifiedOn,
                )
            },
            notMonitored = resources.notMonitored,
            region = resources.region,
            isFallback = resources.isFallback,
            locale = resources.locale,
            dataVersion = resources.dataVersion,
        )
    }
}

/** One crisis line on the sheet, ready to draw as a large button. */
data class CrisisContact(
    /** The service's name. */
    val name: String,
    /** A text line (the button opens Messages) rather than a phone line. */
    val isText: Boolean,
    /** The number or short code as the service prints it. */
    val contact: String,
    /** The keyword to send, for text lines that want one. */
    val textBody: String?,
    /** The `tel:` or `sms:` link the library built for it. */
    val uri: String,
    /** Opening hours as the service states them. */
    val hours: String,
    /** Open around the clock. */
    val alwaysOpen: Boolean,
    /** Where the details were checked. */
    val sourceUrl: String,
    /** When they were last checked, `YYYY-MM-DD`. */
    val verifiedOn: String,
)
