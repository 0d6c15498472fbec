"""Names for the simulated centre's people, queues and sites."""

FIRST_NAMES = (
    "Ava", "Ben", "Chloe", "Diego", "Elena", "Farah", "Gabriel", "Hana", "Isaac", "Jade",
    "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dev",
)
LAST_NAMES = (
    "Adams", "Baptiste", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito",
    "Johansson", "Kowalski", "Lopez", "Murphy", "Nakamura", "Okafor", "Patel", "Quispe",
    "Rossi", "Santos", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Yilmaz", "Zhang",
)
# (name, channels arriving on it)
STANDARD_QUEUES = (
    ("Sales", ("VOICE", "CHAT")),
    ("Support", ("VOICE", "CHAT")),
    ("Billing", ("VOICE",)),
    ("Technical", ("VOICE", "CHAT", "TASK")),
    ("Retention", ("VOICE",)),
    ("Back Office", ("TASK",)),
    ("Bookings", ("VOICE", "CHAT")),
    ("Claims", ("VOICE", "TASK")),
)
SITE_NAMES = {
    "America/Chicago": "Dallas",
    "Europe/London": "Leeds",
    "Asia/Manila": "Manila",
    "Australia/Sydney": "Sydney",
}
# (name, type) in display order; Connect always has Available and Offline.
AGENT_STATUSES = (
    ("Available", "ROUTABLE"),
    ("Offline", "OFFLINE"),
    ("Break", "CUSTOM"),
    ("Lunch", "CUSTOM"),
    ("Training", "CUSTOM"),
    ("Meeting", "CUSTOM"),
)
