// Rapport for Android: the library module (`:rapport`: the Rust core as one
// .so per ABI, its generated Kotlin bindings, and the Android pieces around
// them) and a Jetpack Compose sample app (`:sample`).
//
// Run ./build-jni.sh once before the first Gradle build; it writes the .so
// files and the Kotlin bindings from the same build so their checksums match.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "rapport-android"
include(":rapport", ":sample")
