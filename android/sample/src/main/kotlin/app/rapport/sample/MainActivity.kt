package app.rapport.sample

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import app.rapport.core.Problem

/** The sample app: a client's check-in and history, or a therapist's dashboard. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val session = SampleSession(applicationContext)
        setContent {
            MaterialTheme {
                Surface(Modifier.fillMaxSize()) { SampleRoot(session) }
            }
        }
    }
}

/** Chooses the side once, then shows that side's screens. */
@Composable
fun SampleRoot(session: SampleSession) {
    var role by remember { mutableStateOf(session.savedRole?.takeIf { session.open(it) == null }) }
    var problem by remember { mutableStateOf<Problem?>(null) }
    val client = session.client
    val therapist = session.therapist
    when {
        role == SampleSession.Role.CLIENT && client != null -> ClientHome(client, session)
        role == SampleSession.Role.THERAPIST && therapist != null -> TherapistHome(therapist, session)
        else -> RoleChoice(problem) { chosen ->
            problem = session.open(chosen)
            if (problem == null) role = chosen
        }
    }
}

@Composable
private fun RoleChoice(problem: Problem?, onChoose: (SampleSession.Role) -> Unit) {
    Column(
        Modifier.fillMaxSize().padding(24.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp, Alignment.CenterVertically),
    ) {
        Text(
            stringResource(R.string.app_name),
            style = MaterialTheme.typography.headlineLarge,
            modifier = Modifier.semantics { heading() },
        )
        Text(stringResource(R.string.role_intro))
        Button(
            onClick = { onChoose(SampleSession.Role.CLIENT) },
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp),
        ) { Text(stringResource(R.string.role_client)) }
        OutlinedButton(
            onClick = { onChoose(SampleSession.Role.THERAPIST) },
            modifier = Modifier.fillMaxWidth().heightIn(min = 48.dp),
        ) { Text(stringResource(R.string.role_therapist)) }
        if (problem != null) ProblemText(problem)
    }
}
