package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.attempt
import app.rapport.core.problem
import java.time.Instant
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.CheckIn
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.HistoryCursor
import uniffi.rapport_ffi.Membership
import uniffi.rapport_ffi.NoteVisibility
import uniffi.rapport_ffi.crisisResources

/**
 * The client's own history: every check-in, newest session first, each marked
 * "seen by your therapist" once the therapist acknowledged that version, plus the
 * switch that pauses sharing. A check-in the therapist replied to carries the reply,
 * shown with the reminder that nobody watches check-ins in real time.
 *
 * Refreshing syncs first when a relay is at hand, because that is how "seen"
 * receipts arrive; an unreachable relay still shows the history from the device.
 */
class HistoryScreenModel(
    private val client: ClientApp,
    private val locale: String,
    private val http: () -> HttpClient?,
    private val pageSize: UInt = 50u,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(HistoryState())

    private var next: HistoryCursor? = null

    /** Syncs (to collect "seen" receipts) if it can, then reloads the first page. */
    suspend fun refresh() {
        state.update { it.copy(loading = true, problem = null) }
        val syncProblem = http()?.let { relay -> attempt { client.sync(relay) }.problem() }
        val loaded = withContext(io) {
            attempt { Triple(client.history(null, pageSize), client.membership(), crisisResources(locale).notMonitored) }
        }
        val (page, membership, notMonitored) = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem()) }
            return
        }
        next = page.next
        state.update {
            it.copy(
                loading = false,
                rows = page.checkins.map(::rowOf),
                hasMore = page.next != null,
                sharingPaused = (membership as? Membership.Active)?.paused == true,
                endedByTherapist = membership is Membership.Revoked,
                notMonitored = notMonitored,
                problem = syncProblem,
            )
        }
    }

    /** Appends the next page, if there is one. */
    suspend fun loadMore() {
        val cursor = next ?: return
        if (state.value.loading) return
        state.update { it.copy(loading = true) }
        val loaded = withContext(io) { attempt { client.history(cursor, pageSize) } }
        val page = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem()) }
            return
        }
        next = page.next
        state.update { it.copy(loading = false, rows = it.rows + page.checkins.map(::rowOf), hasMore = page.next != null) }
    }

    /**
     * Pauses or resumes sharing: while paused, check-ins stay on this device and the
     * therapist sees nothing new. Resuming sends what was recorded during the pause only
     * when [sendHeld] (ask first: `client.heldCheckins()`); otherwise it stays here.
     */
    suspend fun setSharingPaused(paused: Boolean, sendHeld: Boolean = false) {
        val changed = withContext(io) {
            attempt { if (paused) client.pauseSharing() else client.resumeSharing(sendHeld) }
        }
        val problem = changed.problem()
        if (problem != null) {
            state.update { it.copy(problem = problem) }
            return
        }
        state.update { it.copy(sharingPaused = paused) }
        if (!paused) refresh()
    }

    private fun rowOf(checkin: CheckIn) = HistoryRow(
        id = checkin.id,
        sessionDate = checkin.sessionDate,
        heard = checkin.answers["heard"],
        hopeful = checkin.answers["hopeful"],
        answers = checkin.answers,
        note = checkin.note?.text,
        noteShared = checkin.note?.visibility == NoteVisibility.SHARED,
        supportRequested = checkin.supportRequested,
        seenAt = checkin.seenAt,
        version = checkin.version,
        reply = checkin.reply?.text,
    )
}

/** Everything the history screen draws. */
data class HistoryState(
    /** A load or sync is in progress. */
    val loading: Boolean = false,
    /** Check-ins, newest session first. */
    val rows: List<HistoryRow> = emptyList(),
    /** More pages wait. */
    val hasMore: Boolean = false,
    /** Sharing with the therapist is paused. */
    val sharingPaused: Boolean = false,
    /** The therapist ended the pairing: the history stays, nothing more is shared. */
    val endedByTherapist: Boolean = false,
    /** "Rapport is not monitored in real time", in the client's language: shown under every reply. */
    val notMonitored: String = "",
    /** What went wrong last (a failed sync still shows the rows). */
    val problem: Problem? = null,
)

/** One check-in in the history. */
data class HistoryRow(
    /** The check-in's id. */
    val id: String,
    /** The session's day, `YYYY-MM-DD`. */
    val sessionDate: String,
    /** The "heard" rating, if answered. */
    val heard: UByte?,
    /** The "hopeful" rating, if answered (its words are those of the edition the check-in answered: `checkinFormOf`). */
    val hopeful: UByte?,
    /** Every answer, by item id. */
    val answers: Map<String, UByte>,
    /** The note, shown only here on the client's own device. */
    val note: String?,
    /** The note was shared with the therapist. */
    val noteShared: Boolean,
    /** The client asked for support with this check-in. */
    val supportRequested: Boolean,
    /** When the therapist acknowledged this version; `null` until then. */
    val seenAt: Instant?,
    /** The version shown (edits make new versions, each acknowledged anew). */
    val version: UInt,
    /** The therapist's reply to this check-in, if they wrote one. */
    val reply: String? = null,
) {
    /** The therapist has seen this version: the row shows "seen by your therapist". */
    val seen: Boolean get() = seenAt != null
}
