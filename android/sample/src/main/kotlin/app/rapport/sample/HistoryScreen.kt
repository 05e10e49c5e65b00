package app.rapport.sample

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Lock
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material3.Card
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.rapport.core.SessionDates
import app.rapport.core.screens.HistoryRow
import app.rapport.core.screens.HistoryScreenModel
import java.util.Locale
import kotlinx.coroutines.launch

/** The client's own check-ins, newest first, each marked once the therapist has seen it. */
@Composable
fun HistoryScreen(model: HistoryScreenModel) {
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
                    stringResource(R.string.tab_history),
                    style = MaterialTheme.typography.headlineSmall,
                    modifier = Modifier.weight(1f).semantics { heading() },
                )
                IconButton(onClick = { scope.launch { model.refresh() } }) {
                    Icon(Icons.Default.Refresh, contentDescription = stringResource(R.string.refresh_history))
                }
            }
        }
        // Pausing and resuming live in "Your data", where resuming asks about what was held back.
        if (state.sharingPaused) item { Text(stringResource(R.string.history_paused)) }
        if (state.endedByTherapist) item { Text(stringResource(R.string.pairing_ended)) }
        state.problem?.let { problem -> item { ProblemText(problem) } }
        if (state.rows.isEmpty() && !state.loading) {
            item { Text(stringResource(R.string.history_empty)) }
        }
        items(state.rows, key = { it.id }) { row -> HistoryCard(row, state.notMonitored) }
        if (state.hasMore) {
            item {
                val moreDescription = stringResource(R.string.show_older_description)
                TextButton(
                    onClick = { scope.launch { model.loadMore() } },
                    modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = moreDescription },
                ) { Text(stringResource(R.string.show_older)) }
            }
        }
    }
}

/**
 * One check-in: the day, the ratings, the note, whether it was seen, and the
 * therapist's reply with the reminder that nobody watches check-ins in real time.
 */
@Composable
private fun HistoryCard(row: HistoryRow, notMonitored: String) {
    val parts = listOfNotNull(
        SessionDates.spoken(row.sessionDate, Locale.getDefault()),
        row.heard?.let { stringResource(R.string.heard_spoken, it.toInt()) },
        row.hopeful?.let { stringResource(R.string.hopeful_spoken, it.toInt()) },
        row.note?.let { stringResource(if (row.noteShared) R.string.note_shared_spoken else R.string.note_private_spoken, it) },
        if (row.supportRequested) stringResource(R.string.you_asked_support) else null,
        stringResource(if (row.seen) R.string.seen else R.string.not_seen),
        row.reply?.let { stringResource(R.string.reply_spoken, it) },
        row.reply?.let { notMonitored.ifEmpty { null } },
    )
    val spoken = parts.joinToString(". ")
    Card(Modifier.fillMaxWidth().semantics(mergeDescendants = true) { contentDescription = spoken }) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(sessionDay(row.sessionDate), style = MaterialTheme.typography.titleMedium)
            Row(horizontalArrangement = Arrangement.spacedBy(16.dp)) {
                row.heard?.let { Text(stringResource(R.string.heard_value, it.toInt())) }
                row.hopeful?.let { Text(stringResource(R.string.hopeful_value, it.toInt())) }
            }
            row.note?.let { note ->
                Row(verticalAlignment = Alignment.CenterVertically) {
                    if (!row.noteShared) Icon(Icons.Default.Lock, contentDescription = null)
                    Text(note, style = MaterialTheme.typography.bodyMedium)
                }
            }
            if (row.supportRequested) Text(stringResource(R.string.you_asked_support), style = MaterialTheme.typography.bodySmall)
            Row(verticalAlignment = Alignment.CenterVertically) {
                if (row.seen) {
                    Icon(Icons.Default.CheckCircle, contentDescription = null, tint = MaterialTheme.colorScheme.primary)
                    Text(stringResource(R.string.seen), color = MaterialTheme.colorScheme.primary)
                } else {
                    Text(stringResource(R.string.not_seen), style = MaterialTheme.typography.bodySmall)
                }
            }
            row.reply?.let { reply -> ReplyBlock(reply, notMonitored) }
        }
    }
}

/** The therapist's reply under the check-in it answers. */
@Composable
private fun ReplyBlock(reply: String, notMonitored: String) {
    Column(
        Modifier.fillMaxWidth().padding(top = 8.dp),
        verticalArrangement = Arrangement.spacedBy(4.dp),
    ) {
        Text(stringResource(R.string.reply_heading), style = MaterialTheme.typography.labelLarge)
        Text(reply, style = MaterialTheme.typography.bodyMedium)
        Text(stringResource(R.string.seen), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.primary)
        if (notMonitored.isNotEmpty()) Text(notMonitored, style = MaterialTheme.typography.bodySmall)
    }
}
