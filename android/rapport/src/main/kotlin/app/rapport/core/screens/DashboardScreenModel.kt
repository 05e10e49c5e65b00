package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.attempt
import app.rapport.core.problem
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.ClientInsights
import uniffi.rapport_ffi.Flag
import uniffi.rapport_ffi.FlagKind
import uniffi.rapport_ffi.GoalProgress
import uniffi.rapport_ffi.ItemInsight
import uniffi.rapport_ffi.Reason
import uniffi.rapport_ffi.Severity
import uniffi.rapport_ffi.TherapistApp
import uniffi.rapport_ffi.Trend

/**
 * The therapist's dashboard: one row per client with a chart of "heard" and
 * "hopeful" over sessions, the trend, the reliable changes, and the open flags.
 *
 * The figures (trend, reliable change, flags) and the order of clients and flags
 * (by need) come from the library's `insights()` and `flags()`, so iOS, Android
 * and the CLI agree; this class keeps that order and only shapes them for the
 * screen. The flags' sentences come in the language of [locale] (`de-AT`, ...;
 * the library picks the best match it has).
 */
class DashboardScreenModel(
    private val therapist: TherapistApp,
    private val locale: String,
    private val http: () -> HttpClient?,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(DashboardState())

    /** Syncs when a relay is at hand (new check-ins arrive that way), then reloads. */
    suspend fun refresh() {
        state.update { it.copy(loading = true, problem = null) }
        val syncProblem = http()?.let { relay -> attempt { therapist.sync(relay) }.problem() }
        reload(syncProblem)
    }

    /** Marks one flag discussed; it resolves and leaves the open list and the row. */
    suspend fun markDiscussed(flagId: String) {
        val done = withContext(io) { attempt { therapist.markDiscussed(flagId, locale) } }
        reload(done.problem())
    }

    /**
     * Marks every check-in seen and sends the receipts, so clients see "seen by your
     * therapist" after their next sync.
     */
    suspend fun markAllSeen() {
        val marked = withContext(io) { attempt { therapist.acknowledgeAll() } }
        val problem = marked.problem() ?: http()?.let { relay -> attempt { therapist.sync(relay) }.problem() }
        reload(problem)
    }

    private suspend fun reload(problem: Problem?) {
        val loaded = withContext(io) { attempt { Pair(therapist.insights(locale), therapist.flags(false, locale)) } }
        val (insights, flags) = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem() ?: problem) }
            return
        }
        state.update {
            it.copy(
                loading = false,
                clients = insights.map(::rowOf),
                flags = flags.map(::flagRowOf),
                problem = problem,
            )
        }
    }

    private fun rowOf(insights: ClientInsights): ClientRow {
        val points = insights.sessions.map {
            ChartPoint(it.sessionDate, it.ratings["heard"], it.ratings["hopeful"], it.supportRequested)
        }
        return ClientRow(
            label = insights.label,
            deviceId = insights.deviceId,
            trend = insights.trend,
            points = points,
            latestHeard = points.lastOrNull { it.heard != null }?.heard,
            latestHopeful = points.lastOrNull { it.hopeful != null }?.hopeful,
            reliableChanges = insights.items.filter { it.reliable },
            items = insights.items,
            flags = insights.flags.map(::flagRowOf),
            paused = insights.pausedSince != null,
            unseen = insights.unseen,
            goals = insights.goals,
        )
    }
}

/** Shapes a library flag for a screen (the dashboard's and the brief's). */
internal fun flagRowOf(flag: Flag) = FlagRow(
    id = flag.id,
    clientLabel = flag.clientLabel,
    kind = flag.kind,
    severity = flag.severity,
    escalated = flag.escalated,
    headline = flag.headline,
    openedOn = flag.openedOn,
    updatedOn = flag.updatedOn,
    reasons = flag.reasons,
)

/** Everything the dashboard draws. */
data class DashboardState(
    /** A sync or load is in progress. */
    val loading: Boolean = false,
    /** One row per client, by need (the library's order). */
    val clients: List<ClientRow> = emptyList(),
    /** Every open flag, by need (the library's order). */
    val flags: List<FlagRow> = emptyList(),
    /** What went wrong last (a failed sync still shows what is on the device). */
    val problem: Problem? = null,
)

/** One client on the dashboard. */
data class ClientRow(
    /** The therapist's label for the client (it never left this device). */
    val label: String,
    /** The client's device id. */
    val deviceId: String,
    /** Improving, steady, worsening, or not enough data yet. */
    val trend: Trend,
    /** One point per session, oldest first: the chart's data. */
    val points: List<ChartPoint>,
    /** The latest "heard" rating. */
    val latestHeard: UByte?,
    /** The latest "hopeful" rating. */
    val latestHopeful: UByte?,
    /** Items whose change since the first session is reliable (beyond measurement noise). */
    val reliableChanges: List<ItemInsight>,
    /** Every item's first, latest and change. */
    val items: List<ItemInsight>,
    /** Open flags for this client, by need (the library's order). */
    val flags: List<FlagRow>,
    /** The client has paused sharing (no check-in counts as missing meanwhile). */
    val paused: Boolean,
    /** Check-ins not yet acknowledged. */
    val unseen: UInt,
    /**
     * The goals the client shares, each with its "how close am I" series by session,
     * first and latest rating and the change since it was set (the library's).
     */
    val goals: List<GoalProgress> = emptyList(),
) {
    /** The severity of the client's first flag (the library puts the most pressing first), for the badge. */
    val badge: Severity? get() = flags.firstOrNull()?.severity
}

/** One session on a client's chart. */
data class ChartPoint(
    /** The session's day, `YYYY-MM-DD`. */
    val sessionDate: String,
    /** The "heard" rating, 1 to 5, if answered. */
    val heard: UByte?,
    /** The "hopeful" rating, 1 to 5, if answered (only ratings comparable with the newest are charted). */
    val hopeful: UByte?,
    /** The client asked for support that session (the chart marks it). */
    val supportRequested: Boolean,
)

/** One flag: one concern about one client, with the reasons behind it. */
data class FlagRow(
    /** The flag's id, to mark it discussed. */
    val id: String,
    /** Which client. */
    val clientLabel: String,
    /** What it is about. */
    val kind: FlagKind,
    /** How pressing it is now. */
    val severity: Severity,
    /** Silence made it more pressing than its kind alone. */
    val escalated: Boolean,
    /** The library's sentence for the therapist. */
    val headline: String,
    /** The session that opened it, `YYYY-MM-DD`. */
    val openedOn: String,
    /** The latest session (or day) that added to it, `YYYY-MM-DD`. */
    val updatedOn: String,
    /** The reasons, oldest first, each one sentence with the plain numbers. */
    val reasons: List<Reason>,
)
