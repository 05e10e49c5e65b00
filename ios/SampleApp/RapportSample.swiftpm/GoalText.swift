import Foundation

/// Every word the goal screens show or VoiceOver speaks, in one place with a
/// stable key each, so a String Catalog can take them over as they are. (The
/// older screens still use English literals; this is where their words should
/// move too.) The goals themselves are the client's own words, never
/// translated.
enum GoalText {
    // Client: the goals tab
    static let tab = String(localized: "goals.tab", defaultValue: "Goals")
    static let title = String(localized: "goals.title", defaultValue: "Your goals")
    static func intro(maxActive: Int) -> String {
        String(localized: "goals.intro", defaultValue: "Up to \(maxActive) goals at a time, in your own words. Each check-in lets you say how close you are to them.")
    }
    static let empty = String(localized: "goals.empty", defaultValue: "No goals yet. You can set one below, on your own or together with your therapist.")
    static let activeSection = String(localized: "goals.active", defaultValue: "Working on now")
    static let setInSession = String(localized: "goals.set_in_session", defaultValue: "Set together in a session")
    static let shared = String(localized: "goals.shared", defaultValue: "Shared with my therapist")
    static let sharedHint = String(localized: "goals.shared.hint", defaultValue: "Off: this goal and its ratings stay on this phone.")
    static let reword = String(localized: "goals.reword", defaultValue: "Reword")
    static func rewordHint(_ goal: String) -> String {
        String(localized: "goals.reword.hint", defaultValue: "Reword the goal: \(goal). The earlier wording is kept.")
    }
    static let rewordField = String(localized: "goals.reword.field", defaultValue: "The goal in your words")
    static let save = String(localized: "goals.save", defaultValue: "Save")
    static let cancel = String(localized: "goals.cancel", defaultValue: "Cancel")
    static let archive = String(localized: "goals.archive", defaultValue: "Archive")
    static func archiveHint(_ goal: String) -> String {
        String(localized: "goals.archive.hint", defaultValue: "Archive the goal: \(goal). It stays in your list with its ratings and frees a place.")
    }
    static let archiveConfirmTitle = String(localized: "goals.archive.confirm.title", defaultValue: "Archive this goal?")
    static func archiveConfirmText(_ goal: String) -> String {
        String(localized: "goals.archive.confirm.text", defaultValue: "“\(goal)” stays in your list, with its ratings, but can no longer be changed or rated.")
    }
    static let newSection = String(localized: "goals.new", defaultValue: "A new goal")
    static let newField = String(localized: "goals.new.field", defaultValue: "What would you like to be different?")
    static func maxChars(_ count: Int) -> String {
        String(localized: "goals.max_chars", defaultValue: "Up to \(count) characters")
    }
    static let newShared = String(localized: "goals.new.shared", defaultValue: "Share it with my therapist")
    static let newInSession = String(localized: "goals.new.in_session", defaultValue: "We set it together in a session")
    static let newInSessionHint = String(localized: "goals.new.in_session.hint", defaultValue: "Your therapist sees this with the goal, if you share it.")
    static let add = String(localized: "goals.add", defaultValue: "Set this goal")
    static let addHint = String(localized: "goals.add.hint", defaultValue: "It appears in your next check-in.")
    static let archivedSection = String(localized: "goals.archived", defaultValue: "Archived goals")

    // Client: rating goals in a check-in
    static let ratingsTitle = String(localized: "goals.ratings.title", defaultValue: "Your goals (optional)")
    static func ratingsHint(top: Int) -> String {
        String(localized: "goals.ratings.hint", defaultValue: "How close are you to each goal? 0 is not at all, \(top) is there. Tap a number, or leave it.")
    }
    static func ratingLabel(_ value: Int, of top: Int) -> String {
        String(localized: "goals.rating.label", defaultValue: "\(value) of \(top)")
    }
    static func ratingHint(goal: String, chosen: Bool) -> String {
        chosen
            ? String(localized: "goals.rating.hint.chosen", defaultValue: "Selected. Tap again to clear.")
            : String(localized: "goals.rating.hint", defaultValue: "How close you are to: \(goal)")
    }

    // Therapist: a client's shared goals
    static let clientGoals = String(localized: "goals.client", defaultValue: "Goals the client shares")
    static func archived(_ goal: String) -> String {
        String(localized: "goals.client.archived", defaultValue: "\(goal) (archived)")
    }
    static let notRatedYet = String(localized: "goals.client.not_rated", defaultValue: "Not rated yet")
    static func latest(_ latest: Int, of top: Int) -> String {
        String(localized: "goals.client.latest", defaultValue: "Latest \(latest)/\(top)")
    }
    static func latest(_ latest: Int, of top: Int, change: Int) -> String {
        let signed = change > 0 ? "+\(change)" : "\(change)"
        return String(localized: "goals.client.latest_change", defaultValue: "Latest \(latest)/\(top), \(signed) since set")
    }
    static let session = String(localized: "goals.chart.session", defaultValue: "Session")
    static let howClose = String(localized: "goals.chart.how_close", defaultValue: "How close")
    static func chartLabel(_ goal: String, sessions: Int) -> String {
        String(localized: "goals.chart.label", defaultValue: "Ratings of \(goal) over \(sessions) sessions")
    }
}
