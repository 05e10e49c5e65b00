package app.rapport.sample

import android.content.Intent
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.DateRange
import androidx.compose.material.icons.filled.Home
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.NavigationBar
import androidx.compose.material3.NavigationBarItem
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import app.rapport.core.screens.BriefScreenModel
import app.rapport.core.screens.DashboardScreenModel
import app.rapport.core.screens.PracticeSetupModel
import java.time.ZoneId
import java.time.format.DateTimeFormatter
import java.time.format.FormatStyle
import java.util.Locale
import kotlinx.coroutines.launch
import uniffi.rapport_ffi.TherapistApp

/** The therapist's side: set up once, then the dashboard, today's brief and invites. */
@Composable
fun TherapistHome(therapist: TherapistApp, session: SampleSession) {
    val setup = remember(therapist) { PracticeSetupModel(therapist) }
    val setupState by setup.state.asComposeState()
    LaunchedEffect(setup) { setup.load() }
    if (!setupState.setUp) {
        SetupScreen(setup)
        return
    }
    var tab by rememberSaveable { mutableIntStateOf(0) }
    val dashboard = remember(therapist) { DashboardScreenModel(therapist, Locale.getDefault().toLanguageTag(), session::http) }
    val brief = remember(therapist) { BriefScreenModel(therapist, Locale.getDefault().toLanguageTag()) }
    Scaffold(
        bottomBar = {
            NavigationBar {
                NavigationBarItem(
                    selected = tab == 0,
                    onClick = { tab = 0 },
                    icon = { Icon(Icons.Default.Home, contentDescription = null) },
                    label = { Text(stringResource(R.string.tab_clients)) },
                )
                NavigationBarItem(
                    selected = tab == 1,
                    onClick = { tab = 1 },
                    icon = { Icon(Icons.Default.DateRange, contentDescription = null) },
                    label = { Text(stringResource(R.string.tab_today)) },
                )
                NavigationBarItem(
                    selected = tab == 2,
                    onClick = { tab = 2 },
                    icon = { Icon(Icons.Default.Add, contentDescription = null) },
                    label = { Text(stringResource(R.string.tab_invite)) },
                )
            }
        },
    ) { padding ->
        Column(Modifier.padding(padding)) {
            when (tab) {
                0 -> DashboardScreen(dashboard)
                1 -> BriefScreen(brief)
                else -> InviteScreen(setup)
            }
        }
    }
}

/** First run: the relay's address and the name clients see. */
@Composable
private fun SetupScreen(model: PracticeSetupModel) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.setup_title), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        val relayDescription = stringResource(R.string.relay_field_description)
        OutlinedTextField(
            value = state.relayUrl,
            onValueChange = model::editRelayUrl,
            label = { Text(stringResource(R.string.relay_field)) },
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri, autoCorrectEnabled = false),
            singleLine = true,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = relayDescription },
        )
        val nameDescription = stringResource(R.string.name_field_description)
        OutlinedTextField(
            value = state.name,
            onValueChange = model::editName,
            label = { Text(stringResource(R.string.name_field)) },
            singleLine = true,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = nameDescription },
        )
        if (state.name.isNotEmpty()) state.nameProblem?.let { ProblemText(it) }
        state.problem?.let { ProblemText(it) }
        val setUpDescription = stringResource(R.string.set_up_description)
        Button(
            onClick = { scope.launch { model.setUp() } },
            enabled = state.canSetUp,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = setUpDescription },
        ) { Text(stringResource(if (state.working) R.string.working else R.string.set_up)) }
    }
}

/** One single-use invite per client: a label that stays here, then a link to hand over. */
@Composable
private fun InviteScreen(model: PracticeSetupModel) {
    val state by model.state.asComposeState()
    val scope = rememberCoroutineScope()
    val context = LocalContext.current
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        Text(stringResource(R.string.invite_title), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
        val labelDescription = stringResource(R.string.label_field_description)
        OutlinedTextField(
            value = state.label,
            onValueChange = model::editLabel,
            label = { Text(stringResource(R.string.label_field)) },
            singleLine = true,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = labelDescription },
        )
        if (state.label.isNotEmpty()) state.labelProblem?.let { ProblemText(it) }
        val createDescription = stringResource(R.string.create_invite_description)
        Button(
            onClick = { scope.launch { model.invite() } },
            enabled = state.canInvite,
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = createDescription },
        ) { Text(stringResource(if (state.working) R.string.working else R.string.create_invite)) }
        state.problem?.let { ProblemText(it) }
        state.invite?.let { invite ->
            val expires = DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM).withZone(ZoneId.systemDefault()).format(invite.expiresAt)
            Text(stringResource(R.string.invite_ready, expires))
            SelectionContainer { Text(invite.uri, style = MaterialTheme.typography.bodySmall) }
            val shareDescription = stringResource(R.string.share_invite_description)
            OutlinedButton(
                onClick = {
                    val send = Intent(Intent.ACTION_SEND).setType("text/plain").putExtra(Intent.EXTRA_TEXT, invite.uri)
                    context.startActivity(Intent.createChooser(send, null).addFlags(Intent.FLAG_ACTIVITY_NEW_TASK))
                },
                modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp).semantics { contentDescription = shareDescription },
            ) { Text(stringResource(R.string.share_invite)) }
        }
    }
}
