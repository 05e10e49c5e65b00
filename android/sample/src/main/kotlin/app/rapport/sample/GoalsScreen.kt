package app.rapport.sample

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.rapport.core.screens.GoalsScreenModel
import kotlinx.coroutines.launch
import uniffi.rapport_ffi.Goal

/**
 * The client's goals: the active ones (reword, share or keep private, archive),
 * a field to set a new one, and the archived ones below. How many goals and how
 * long are the library's rules; what it refuses shows as its own sentence.
 */
@Composable
fun GoalsScreen(model: GoalsScreenModel) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    LaunchedEffect(model) { model.load() }
    var editingId by rememberSaveable { mutableStateOf<String?>(null) }
    var editText by rememberSaveable { mutableStateOf("") }
    var archivingId by rememberSaveable { mutableStateOf<String?>(null) }
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.goals_title), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        if (state.maxActive > 0) Text(stringResource(R.string.goals_intro, state.maxActive))
        state.problem?.let { ProblemText(it) }
        if (state.active.isEmpty() && !state.loading) Text(stringResource(R.string.goals_empty), style = MaterialTheme.typography.bodyMedium)
        for (goal in state.active) {
            if (editingId == goal.id) {
                GoalEditor(
                    text = editText,
                    maxChars = state.maxChars,
                    onChange = { editText = it },
                    onSave = { scope.launch { if (model.reword(goal.id, editText)) editingId = null } },
                    onCancel = { editingId = null },
                )
            } else {
                GoalCard(
                    goal = goal,
                    onReword = {
                        editText = goal.text
                        editingId = goal.id
                    },
                    onShare = { shared -> scope.launch { model.setShared(goal.id, shared) } },
                    onArchive = { archivingId = goal.id },
                )
            }
        }
        NewGoal(
            draft = state.draft,
            maxChars = state.maxChars,
            shared = state.draftShared,
            inSession = state.draftInSession,
            onDraft = model::editDraft,
            onShared = model::setDraftShared,
            onInSession = model::setDraftInSession,
            onAdd = { scope.launch { model.add() } },
        )
        if (state.archived.isNotEmpty()) {
            Text(stringResource(R.string.goals_archived_title), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
            for (goal in state.archived) Text(goal.text, style = MaterialTheme.typography.bodyMedium)
        }
    }
    val archiving = state.active.firstOrNull { it.id == archivingId }
    if (archiving != null) {
        AlertDialog(
            onDismissRequest = { archivingId = null },
            title = { Text(stringResource(R.string.goal_archive_confirm_title)) },
            text = { Text(stringResource(R.string.goal_archive_confirm_text, archiving.text)) },
            confirmButton = {
                TextButton(onClick = {
                    archivingId = null
                    scope.launch { model.archive(archiving.id) }
                }) { Text(stringResource(R.string.goal_archive)) }
            },
            dismissButton = { TextButton(onClick = { archivingId = null }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}

/** One active goal: its words, who sees it, and what can be done with it. */
@Composable
private fun GoalCard(goal: Goal, onReword: () -> Unit, onShare: (Boolean) -> Unit, onArchive: () -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(goal.text, style = MaterialTheme.typography.titleMedium)
            if (goal.setInSession) Text(stringResource(R.string.goal_set_in_session), style = MaterialTheme.typography.bodySmall)
            LabelledSwitch(
                label = stringResource(R.string.goal_shared),
                description = stringResource(R.string.goal_shared_description, goal.text),
                checked = goal.shared,
                onChange = onShare,
            )
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                val rewordDescription = stringResource(R.string.goal_reword_description, goal.text)
                OutlinedButton(
                    onClick = onReword,
                    modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = rewordDescription },
                ) { Text(stringResource(R.string.goal_reword)) }
                val archiveDescription = stringResource(R.string.goal_archive_description, goal.text)
                TextButton(
                    onClick = onArchive,
                    modifier = Modifier.heightIn(min = 48.dp).semantics { contentDescription = archiveDescription },
                ) { Text(stringResource(R.string.goal_archive)) }
            }
        }
    }
}

/** Rewording a goal in place; the library keeps the earlier wording. */
@Composable
private fun GoalEditor(text: String, maxChars: Int, onChange: (String) -> Unit, onSave: () -> Unit, onCancel: () -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            val fieldDescription = stringResource(R.string.goal_reword_field_description)
            OutlinedTextField(
                value = text,
                onValueChange = onChange,
                label = { Text(stringResource(R.string.goal_reword_field)) },
                supportingText = { if (maxChars > 0) Text(stringResource(R.string.goal_max_chars, maxChars)) },
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = fieldDescription },
            )
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Button(onClick = onSave, modifier = Modifier.heightIn(min = 48.dp)) { Text(stringResource(R.string.goal_save)) }
                TextButton(onClick = onCancel, modifier = Modifier.heightIn(min = 48.dp)) { Text(stringResource(R.string.cancel)) }
            }
        }
    }
}

/** The field for a new goal, shared by default, and whether it was set in a session. */
@Composable
private fun NewGoal(
    draft: String,
    maxChars: Int,
    shared: Boolean,
    inSession: Boolean,
    onDraft: (String) -> Unit,
    onShared: (Boolean) -> Unit,
    onInSession: (Boolean) -> Unit,
    onAdd: () -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.goal_new_title), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
        val fieldDescription = stringResource(R.string.goal_new_field_description)
        OutlinedTextField(
            value = draft,
            onValueChange = onDraft,
            label = { Text(stringResource(R.string.goal_new_field)) },
            supportingText = { if (maxChars > 0) Text(stringResource(R.string.goal_max_chars, maxChars)) },
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = fieldDescription },
        )
        LabelledSwitch(
            label = stringResource(R.string.goal_new_shared),
            description = stringResource(R.string.goal_new_shared_description),
            checked = shared,
            onChange = onShared,
        )
        LabelledSwitch(
            label = stringResource(R.string.goal_new_in_session),
            description = stringResource(R.string.goal_new_in_session_description),
            checked = inSession,
            onChange = onInSession,
        )
        val addDescription = stringResource(R.string.goal_add_description)
        Button(
            onClick = onAdd,
            enabled = draft.isNotBlank(),
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = addDescription },
        ) { Text(stringResource(R.string.goal_add)) }
    }
}
