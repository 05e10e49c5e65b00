package app.rapport.sample

import android.content.Context
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.State
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import app.rapport.android.RapportFiles
import app.rapport.core.Problem
import app.rapport.core.ScreenState
import app.rapport.core.UrlConnectionHttpClient
import java.util.Locale
import uniffi.rapport_ffi.ClientApp
import uniffi.rapport_ffi.HttpClient
import uniffi.rapport_ffi.TherapistApp

/**
 * Which side of the therapy this installation is, and the open database.
 *
 * A real app is one or the other; the sample lets the person choose once so both
 * flows can be tried on two emulators. The choice is kept in app-private
 * preferences; the databases and their keys are where [RapportFiles] puts them.
 */
class SampleSession(private val context: Context) {
    enum class Role { CLIENT, THERAPIST }

    private val preferences = context.getSharedPreferences("app.rapport.sample", Context.MODE_PRIVATE)
    private val httpClient = UrlConnectionHttpClient()

    /** The device's locale as the library reads it (`en-GB`, ...): its region picks the crisis lines. */
    val locale: String = Locale.getDefault().toLanguageTag()

    var client: ClientApp? = null
        private set
    var therapist: TherapistApp? = null
        private set

    /** The role chosen earlier, if any. */
    val savedRole: Role? get() = preferences.getString(ROLE_KEY, null)?.let { runCatching { Role.valueOf(it) }.getOrNull() }

    /** Opens (creating on first use) the database for [role]; a problem if the keystore refuses. */
    fun open(role: Role): Problem? = try {
        when (role) {
            Role.CLIENT -> client = RapportFiles.openClient(context)
            Role.THERAPIST -> therapist = RapportFiles.openTherapist(context)
        }
        preferences.edit().putString(ROLE_KEY, role.name).apply()
        null
    } catch (e: Exception) {
        Problem.of(e)
    }

    /**
     * The app's HTTP client once this device has joined or is set up (the library
     * knows the relay's address from the account), `null` before: then check-ins
     * wait on the device. Cheap (one small database read), so the screen models
     * call it before each sync.
     */
    fun http(): HttpClient? {
        val account = runCatching { client?.account() ?: therapist?.account() }.getOrNull()
        return if (account == null) null else httpClient
    }

    private companion object {
        const val ROLE_KEY = "role"
    }
}

/** A screen model's state as Compose state: the screen redraws on every change. */
@Composable
fun <S : Any> ScreenState<S>.asComposeState(): State<S> {
    val state = remember(this) { mutableStateOf(value) }
    DisposableEffect(this) {
        val subscription = observe { state.value = it }
        onDispose { subscription.close() }
    }
    return state
}
