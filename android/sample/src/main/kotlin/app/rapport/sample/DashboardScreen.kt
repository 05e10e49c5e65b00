package app.rapport.sample

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.PathEffect
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.rapport.core.screens.ChartPoint
import app.rapport.core.screens.ClientRow
import app.rapport.core.screens.DashboardScreenModel
import app.rapport.core.screens.FlagRow
import kotlinx.coroutines.launch
import uniffi.rapport_ffi.GoalProgress
import uniffi.rapport_ffi.Severity
import uniffi.rapport_ffi.Trend
import uniffi.rapport_ffi.goalLimits

/**
 * Open flags first, then one card per client with a chart of heard and hopeful
 * and the goals the client shares, both in the library's order (by need):
 * nothing here re-sorts them.
 */
@Composable
fun DashboardScreen(model: DashboardScreenModel) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    LaunchedEffect(model) { model.refresh() }
    LazyColumn(
        Modifier.fillMaxSize().padding(horizontal = 16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        item {
            Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.padding(top = 16.dp)) {
                Text(
                    stringResource(R.string.tab_clients),
                    style = MaterialTheme.typography.headlineSmall,
                    modifier = Modifier.weight(1f).semantics { heading() },
                )
                IconButton(onClick = { scope.launch { model.refresh() } }) {
                    Icon(Icons.Default.Refresh, contentDescription = stringResource(R.string.sync_dashboard))
                }
            }
        }
        state.problem?.let { problem -> item { ProblemText(problem) } }
        if (state.flags.isNotEmpty()) {
            item {
                Text(stringResource(R.string.open_flags), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
            }
            items(state.flags, key = { "flag-" + it.id }) { flag ->
                FlagCard(flag) { scope.launch { model.markDiscussed(flag.id) } }
            }
        }
        item {
            val markDescription = stringResource(R.string.mark_all_seen_description)
            OutlinedButton(
                onClick = { scope.launch { model.markAllSeen() } },
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = markDescription },
            ) { Text(stringResource(R.string.mark_all_seen)) }
        }
        if (state.clients.isEmpty() && !state.loading) item { Text(stringResource(R.string.no_clients)) }
        items(state.clients, key = { "client-" + it.deviceId }) { client -> ClientCard(client) }
    }
}

/** One flag: severity, client, the library's headline, its reasons, and "Mark discussed". */
@Composable
fun FlagCard(flag: FlagRow, onMarkDiscussed: () -> Unit) {
    val severity = severityText(flag.severity)
    Card(
        colors = CardDefaults.cardColors(
            containerColor = if (flag.severity == Severity.URGENT) MaterialTheme.colorScheme.errorContainer
            else MaterialTheme.colorScheme.surfaceVariant,
        ),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text("$severity · ${flag.clientLabel} · " + sessionDay(flag.updatedOn), style = MaterialTheme.typography.titleSmall)
            Text(flag.headline)
            for (reason in flag.reasons) {
                Text(
                    "• " + reason.text + (reason.sessionDate?.let { " (" + sessionDay(it) + ")" } ?: ""),
                    style = MaterialTheme.typography.bodySmall,
                )
            }
            val description = stringResource(R.string.mark_discussed_description, flag.clientLabel, flag.headline)
            TextButton(
                onClick = onMarkDiscussed,
                modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = description },
            ) { Text(stringResource(R.string.mark_discussed)) }
        }
    }
}

@Composable
private fun ClientCard(client: ClientRow) {
    val trend = trendText(client.trend)
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(client.label, style = MaterialTheme.typography.titleMedium, modifier = Modifier.weight(1f).semantics { heading() })
                client.badge?.let { Text(severityText(it), color = MaterialTheme.colorScheme.error) }
            }
            Text(
                listOfNotNull(
                    trend,
                    client.latestHeard?.let { stringResource(R.string.heard_value, it.toInt()) },
                    client.latestHopeful?.let { stringResource(R.string.hopeful_value, it.toInt()) },
                    if (client.unseen > 0u) stringResource(R.string.unseen_count, client.unseen.toInt()) else null,
                ).joinToString(" · "),
            )
            if (client.points.isEmpty()) {
                Text(stringResource(R.string.no_checkins_yet), style = MaterialTheme.typography.bodySmall)
            } else {
                RatingsChart(client.points, trend)
            }
            for (change in client.reliableChanges) {
                Text(
                    stringResource(R.string.reliable_change, change.item, change.first.toInt(), change.latest.toInt()),
                    style = MaterialTheme.typography.bodySmall,
                )
            }
            if (client.goals.isNotEmpty()) {
                Text(stringResource(R.string.client_goals), style = MaterialTheme.typography.titleSmall, modifier = Modifier.semantics { heading() })
                val top = goalLimits().ratingMax.toInt()
                for (goal in client.goals) GoalProgressRow(goal, top)
            }
        }
    }
}

/**
 * One shared goal as the client put it, with its latest "how close am I" and the
 * change since it was set (the library's figures), then its ratings by session.
 */
@Composable
internal fun GoalProgressRow(goal: GoalProgress, top: Int) {
    Column(verticalArrangement = Arrangement.spacedBy(2.dp), modifier = Modifier.semantics(mergeDescendants = true) {}) {
        val title = if (goal.archivedAt != null) stringResource(R.string.goal_archived_text, goal.text) else goal.text
        Text(title, style = MaterialTheme.typography.bodyMedium)
        val latest = goal.latest
        val change = goal.changeSinceSet
        Text(
            when {
                latest == null -> stringResource(R.string.goal_not_rated_yet)
                change == null -> stringResource(R.string.goal_latest, latest.toInt(), top)
                else -> stringResource(R.string.goal_latest_and_change, latest.toInt(), top, change.toInt())
            },
            style = MaterialTheme.typography.bodySmall,
        )
        if (goal.series.size > 1) {
            Text(
                stringResource(
                    R.string.goal_series,
                    // `map` is inline, so each point's words come from the resources too.
                    goal.series.map { stringResource(R.string.goal_series_point, sessionDay(it.sessionDate), it.rating.toInt()) }.joinToString(", "),
                ),
                style = MaterialTheme.typography.bodySmall,
            )
        }
    }
}

/**
 * Heard (solid) and hopeful (dashed) over sessions on a 1 to 5 scale, a ring where
 * the client asked for support. TalkBack reads the whole series as one sentence,
 * since a drawing has no words.
 */
@Composable
private fun RatingsChart(points: List<ChartPoint>, trend: String) {
    val heardColor = MaterialTheme.colorScheme.primary
    val hopefulColor = MaterialTheme.colorScheme.tertiary
    val supportColor = MaterialTheme.colorScheme.error
    val resources = LocalContext.current.resources
    val series = points.joinToString("; ") { p ->
        sessionDay(p.sessionDate) + ": " + listOfNotNull(
            p.heard?.let { resources.getString(R.string.chart_point_heard, it.toInt()) },
            p.hopeful?.let { resources.getString(R.string.chart_point_hopeful, it.toInt()) },
        ).joinToString(", ")
    }
    val description = stringResource(R.string.chart_description, points.size, trend, series)
    Canvas(
        Modifier.fillMaxWidth().height(140.dp).semantics { contentDescription = description },
    ) {
        val left = 8.dp.toPx()
        val width = size.width - 2 * left
        val height = size.height - 2 * left
        fun x(i: Int) = left + if (points.size == 1) width / 2 else width * i / (points.size - 1)
        fun y(rating: Int) = left + height * (5 - rating) / 4f
        for (rating in 1..5) {
            drawLine(Color.LightGray, Offset(left, y(rating)), Offset(left + width, y(rating)), strokeWidth = 1f)
        }
        fun drawSeries(values: List<Int?>, color: Color, dashed: Boolean) {
            val path = Path()
            var started = false
            values.forEachIndexed { i, v ->
                if (v == null) return@forEachIndexed
                if (started) path.lineTo(x(i), y(v)) else path.moveTo(x(i), y(v))
                started = true
                drawCircle(color, radius = 4.dp.toPx(), center = Offset(x(i), y(v)))
            }
            drawPath(
                path,
                color,
                style = Stroke(width = 3.dp.toPx(), pathEffect = if (dashed) PathEffect.dashPathEffect(floatArrayOf(12f, 8f)) else null),
            )
        }
        drawSeries(points.map { it.heard?.toInt() }, heardColor, dashed = false)
        drawSeries(points.map { it.hopeful?.toInt() }, hopefulColor, dashed = true)
        points.forEachIndexed { i, p ->
            if (p.supportRequested) drawCircle(supportColor, radius = 9.dp.toPx(), center = Offset(x(i), left / 2 + 4.dp.toPx()), style = Stroke(2.dp.toPx()))
        }
    }
    Row(horizontalArrangement = Arrangement.spacedBy(16.dp)) {
        Text(stringResource(R.string.legend_heard), color = heardColor, style = MaterialTheme.typography.labelSmall)
        Text(stringResource(R.string.legend_hopeful), color = hopefulColor, style = MaterialTheme.typography.labelSmall)
    }
}

@Composable
private fun trendText(trend: Trend): String = stringResource(
    when (trend) {
        Trend.IMPROVING -> R.string.trend_improving
        Trend.STEADY -> R.string.trend_steady
        Trend.WORSENING -> R.string.trend_worsening
        Trend.NOT_ENOUGH_DATA -> R.string.trend_not_enough
    },
)

@Composable
internal fun severityText(severity: Severity): String = stringResource(
    when (severity) {
        Severity.URGENT -> R.string.severity_urgent
        Severity.HIGH -> R.string.severity_high
        Severity.MEDIUM -> R.string.severity_medium
        Severity.LOW -> R.string.severity_low
    },
)
