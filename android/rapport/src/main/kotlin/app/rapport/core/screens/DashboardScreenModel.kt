package app.rapport.core.screens

import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.attempt
import app.rapport.core.problem
import java.time.Instant
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.rapport_ffi.Alert
import uniffi.rapport_ffi.AlertRule
import uniffi.rapport_ffi.AlertSeverity
import uniffi.rapport_ffi.ClientInsights
import uniffi.rapport_ffi.ItemInsight
import uniffi.rapport_ffi.TherapistApp
import uniffi.rapport_ffi.Transport
import uniffi.rapport_ffi.Trend

/**
 * The therapist's dashboard: one row per client with a chart of "heard" and
 * "hopeful" over sessions, the trend, the reliable changes, and the open alerts,
 * most urgent first.
 *
 * The figures (trend, reliable change, alert rules) come from the library's
 * `insights()` and `alerts()`, so iOS, Android and the CLI agree; this class only
 * orders and shapes them for the screen.
 */
class DashboardScreenModel(
    private val therapist: TherapistApp,
    private val transport: () -> Transport?,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    /** The screen's state; observe it to redraw. */
    val state = ScreenState(DashboardState())

    /** Syncs when a relay is at hand (new check-ins arrive that way), then reloads. */
    suspend fun refresh() {
        state.update { it.copy(loading = true, problem = null) }
        val syncProblem = transport()?.let { relay -> attempt { therapist.sync(relay) }.problem() }
        reload(syncProblem)
    }

    /** Acknowledges one alert; it leaves the open list and the row's badge. */
    suspend fun acknowledge(alertId: String) {
        val done = withContext(io) { attempt { therapist.acknowledgeAlert(alertId) } }
        reload(done.problem())
    }

    /**
     * Marks every check-in seen and sends the receipts, so clients see "seen by your
     * therapist" after their next sync.
     */
    suspend fun markAllSeen() {
        val marked = withContext(io) { attempt { therapist.acknowledgeAll() } }
        val problem = marked.problem() ?: transport()?.let { relay -> attempt { therapist.sync(relay) }.problem() }
        reload(problem)
    }

    private suspend fun reload(problem: Problem?) {
        val loaded = withContext(io) { attempt { Pair(therapist.insights(), therapist.alerts(false)) } }
        val (insights, alerts) = loaded.getOrNull() ?: run {
            state.update { it.copy(loading = false, problem = loaded.problem() ?: problem) }
            return
        }
        val rows = insights.map(::rowOf).sortedWith(
            compareBy<ClientRow>({ it.mostSevere?.ordinal ?: Int.MAX_VALUE }, { it.label }),
        )
        state.update {
            it.copy(
                loading = false,
                clients = rows,
                alerts = alerts.map(::alertRowOf).sortedWith(ALERT_ORDER),
                problem = problem,
            )
        }
    }

    private fun rowOf(insights: ClientInsights): ClientRow {
        val points = insights.sessions.map {
            ChartPoint(it.sessionDate, it.ratings["heard"], it.ratings["hopeful"], it.supportRequested)
        }
        val open = insights.openAlerts.map(::alertRowOf).sortedWith(ALERT_ORDER)
        return ClientRow(
            label = insights.label,
            deviceId = insights.deviceId,
            trend = insights.trend,
            points = points,
            latestHeard = points.lastOrNull { it.heard != null }?.heard,
            latestHopeful = points.lastOrNull { it.hopeful != null }?.hopeful,
            reliableChanges = insights.items.filter { it.reliable },
            items = insights.items,
            openAlerts = open,
            unseen = insights.unseen,
        )
    }

    private fun alertRowOf(alert: Alert) = AlertRow(
        id = alert.id,
        clientLabel = alert.clientLabel,
        rule = alert.rule,
        severity = alert.severity,
        reason = alert.reason,
        sessionDate = alert.sessionDate,
        acknowledgedAt = alert.acknowledgedAt,
    )

    private companion object {
        /** Most severe first (the enum lists URGENT first), then the latest session first. */
        val ALERT_ORDER = compareBy<AlertRow>({ it.severity.ordinal }, { it.clientLabel })
            .thenByDescending { it.sessionDate ?: "" }
    }
}

/** Everything the dashboard draws. */
data class DashboardState(
    /** A sync or load is in progress. */
    val loading: Boolean = false,
    /** One row per client, those with the most severe open alerts first. */
    val clients: List<ClientRow> = emptyList(),
    /** Every open alert, most severe first. */
    val alerts: List<AlertRow> = emptyList(),
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
    /** Open alerts for this client, most severe first. */
    val openAlerts: List<AlertRow>,
    /** Check-ins not yet acknowledged. */
    val unseen: UInt,
) {
    /** The severity of the most pressing open alert, for ordering and the badge colour. */
    val mostSevere: AlertSeverity? get() = openAlerts.minByOrNull { it.severity.ordinal }?.severity
}

/** One session on a client's chart. */
data class ChartPoint(
    /** The session's day, `YYYY-MM-DD`. */
    val sessionDate: String,
    /** "I felt heard", 1 to 5, if answered. */
    val heard: UByte?,
    /** "I leave feeling more hopeful", 1 to 5, if answered. */
    val hopeful: UByte?,
    /** The client asked for support that session (the chart marks it). */
    val supportRequested: Boolean,
)

/** One alert on the dashboard. */
data class AlertRow(
    /** The alert's id, to acknowledge it. */
    val id: String,
    /** Which client. */
    val clientLabel: String,
    /** The rule that raised it. */
    val rule: AlertRule,
    /** How pressing it is. */
    val severity: AlertSeverity,
    /** The library's sentence for the therapist. */
    val reason: String,
    /** The session it is about, if one. */
    val sessionDate: String?,
    /** When the therapist acknowledged it; `null` while open. */
    val acknowledgedAt: Instant?,
)
