package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.attempt
import app.rapport.core.problem
import java.time.LocalDate
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.BriefBasis
import uniffi.rapport_ffi.BriefCard
import uniffi.rapport_ffi.BriefCheckIn
import uniffi.rapport_ffi.GoalProgress
import uniffi.rapport_ffi.OutsideRange
import uniffi.rapport_ffi.TherapistApp
import uniffi.rapport_ffi.UsualRange

/**
 * The "Today" screen: the library's brief before the day's sessions, one card per
 * client with what came in since the last session, the client's usual range and
 * what lies outside it, the open flags, the goals the client shares, and a
 * suggested opening line.
 *
 * Which clients get a card, their order (by need) and every sentence come from
 * the library's `brief()`; this class only shapes the cards for the screen.
 */
class BriefScreenModel(
    private val therapist: TherapistApp,
    /** The language of the opening lines (`de-AT`, ...); the library picks the best match. */
    private val locale: String,
    private val today: () -> LocalDate = { LocalDate.now() },
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(BriefState())

    /** Loads the brief for today (the therapist's own calendar day). */
    suspend fun load() = reload(null)

    /** Marks one flag discussed; it leaves its card. */
    suspend fun markDiscussed(flagId: String) {
        val done = withContext(io) { attempt { therapist.markDiscussed(flagId, locale) } }
        reload(done.problem())
    }

    private suspend fun reload(problem: Problem?) {
        state.update { it.copy(loading = true) }
        val date = today().toString()
        val loaded = withContext(io) { attempt { therapist.brief(date, null, locale) } }
        val brief = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem() ?: problem) }
            return
        }
        state.update {
            BriefState(
                loading = false,
                date = brief.date,
                onlyRecordedSessions = brief.basis == BriefBasis.RECORDED_SESSIONS,
                cards = brief.cards.map(::cardOf),
                problem = problem,
            )
        }
    }

    private fun cardOf(card: BriefCard) = BriefCardRow(
        label = card.label,
        sessionToday = card.sessionOnDay,
        lastSession = card.lastSession,
        paused = card.pausedSince != null,
        checkins = card.checkins,
        usual = card.usual,
        outside = card.outside,
        flags = card.flags.map(::flagRowOf),
        opening = card.opening.text,
        goals = card.goals,
        goalLine = card.goalLine,
    )
}

/** Everything the "Today" screen draws. */
data class BriefState(
    /** Loading is in progress. */
    val loading: Boolean = false,
    /** The day the brief prepares, `YYYY-MM-DD`; empty until loaded. */
    val date: String = "",
    /** The cards are the clients with a session recorded today (else every active client). */
    val onlyRecordedSessions: Boolean = false,
    /** One card per client, by need (the library's order). */
    val cards: List<BriefCardRow> = emptyList(),
    /** What went wrong last. */
    val problem: Problem? = null,
)

/** One client's card in the brief. */
data class BriefCardRow(
    /** The therapist's label for the client. */
    val label: String,
    /** A session with the client is recorded for today. */
    val sessionToday: Boolean,
    /** The latest session recorded before today, `YYYY-MM-DD`, if any. */
    val lastSession: String?,
    /** The client has paused sharing. */
    val paused: Boolean,
    /** Check-ins since the last session, oldest first. */
    val checkins: List<BriefCheckIn>,
    /** The client's usual range per item. */
    val usual: List<UsualRange>,
    /** What of the latest check-in lies outside the usual range, each with its sentence. */
    val outside: List<OutsideRange>,
    /** Open flags, by need. */
    val flags: List<FlagRow>,
    /** A suggested opening line for the session. */
    val opening: String,
    /** The goals the client shares, with their ratings and change since set (the library's). */
    val goals: List<GoalProgress> = emptyList(),
    /** The library's one calm line about goals that moved or stayed, when any did. */
    val goalLine: String? = null,
)
