"""Staff console wording: Romanian first, English second, one place to read and correct."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "console": ("Consola personalului", "Staff console"),
    "login": ("Autentificare", "Sign in"),
    "username": ("Nume de utilizator", "Username"),
    "password": ("Parolă", "Password"),
    "logout": ("Ieșire", "Sign out"),
    "queue": ("Cereri", "Requests"),
    "online_inbox": ("Cereri online", "Online requests"),
    "all_inbox": ("De lucrat (înregistrate, în analiză, așteaptă documente)", "To work on"),
    "department": ("Departament", "Department"),
    "all_departments": ("Toate departamentele mele", "All my departments"),
    "service": ("Serviciu", "Service"),
    "answer_due": ("Termen de răspuns", "Answer due"),
    "days_left": ("Zile rămase", "Days left"),
    "overdue": ("depășit", "overdue"),
    "filter": ("Filtrează", "Filter"),
    "answers": ("Răspunsurile solicitantului", "The citizen's answers"),
    "files": ("Fișiere", "Files"),
    "open_file": ("Deschide", "Open"),
    "brought_in_original": ("Aduce originalul", "Brings the original"),
    "not_needed": ("nu este necesar", "not needed"),
    "take": ("Preia cererea", "Take the request"),
    "ask": ("Cere documente", "Ask for documents"),
    "ask_message": ("Ce lipsește (opțional dacă bifați documente)", "What is missing (optional if you tick documents)"),
    "answer_pdf": ("Răspunsul, în format PDF", "The answer, as a PDF"),
    "prepare_upload": ("Încarcă răspunsul", "Upload the answer"),
    "upload_now": ("Trimite fișierul", "Send the file"),
    "send_answer": ("Transmite răspunsul electronic", "Send the answer electronically"),
    "answer_ready": ("Răspuns pe hârtie: la dulap sau la ghișeu", "Paper answer: locker or counter"),
    "reject": ("Respinge", "Reject"),
    "reject_reason": ("Motivul respingerii", "Reason for rejecting"),
    "asked": ("Documente cerute", "Documents asked for"),
    "answer_uploaded": ("Fișierul a fost încărcat. Transmiteți răspunsul.", "The file was uploaded. Send the answer."),
    "delivery": ("Primire răspuns", "Answer delivery"),
    "new_request": ("Înregistrează o cerere", "Register a request"),
    "lockers": ("Dulapuri", "Lockers"),
    "tasks": ("Sarcinile zilei", "Today's tasks"),
    "search": ("Caută", "Search"),
    "search_hint": (
        "Număr de înregistrare, nume sau ultimele cifre ale telefonului",
        "Registration number, name or the last digits of the phone",
    ),
    "status": ("Stare", "Status"),
    "all_open": ("Toate cererile deschise", "All open requests"),
    "number": ("Număr", "Number"),
    "citizen": ("Solicitant", "Citizen"),
    "documents": ("Documente", "Documents"),
    "phone": ("Telefon", "Phone"),
    "size": ("Mărimea compartimentului", "Compartment size"),
    "accessible": (
        "Are nevoie de un compartiment accesibil (scaun rulant)",
        "Needs an accessible compartment (wheelchair)",
    ),
    "locker_consent": ("Acceptă ridicarea de la dulap", "Agrees to locker pickup"),
    "sms_consent": ("Acceptă SMS", "Agrees to SMS"),
    "registration_number": (
        "Număr de înregistrare (opțional, dacă îl dă Registratura)",
        "Registration number (optional, if the desk assigns one)",
    ),
    "save": ("Înregistrează", "Register"),
    "error_summary": ("Există o problemă", "There is a problem"),
    "registered": ("Cererea a fost înregistrată", "The request has been registered"),
    "history": ("Istoric", "History"),
    "sms_log": ("SMS-uri trimise", "Text messages"),
    "actions": ("Acțiuni", "Actions"),
    "ready": ("Documentele sunt gata", "Documents are ready"),
    "deposit": ("Pune în dulap", "Put in the locker"),
    "cancel": ("Anulează cererea", "Cancel the request"),
    "retrieve": ("Scoate din dulap (înapoi la ghișeu)", "Take back from the locker"),
    "collect": ("Predată la ghișeu", "Handed over at the counter"),
    "counter": ("Trimite la ghișeu", "Send to the counter"),
    "reissue": ("Retrimite PIN-ul și codul QR", "Send a new PIN and QR code"),
    "opened": ("S-a deschis compartimentul", "Compartment opened"),
    "no_requests": ("Nicio cerere.", "No requests."),
    "online": ("online", "online"),
    "offline": ("offline", "offline"),
    "compartment": ("Compartiment", "Compartment"),
    "force_open": ("Deschide forțat", "Force open"),
    "held_title": ("Compartimente ținute de cereri închise", "Compartments held by closed requests"),
    "held_none": (
        "Niciun compartiment nu este ținut de o cerere închisă.",
        "No compartment is held by a closed request.",
    ),
    "held_help": (
        "Deschideți compartimentul, scoateți ce a rămas și închideți ușa: compartimentul se eliberează la închidere.",
        "Open the compartment, take out what is left and close the door: it is freed when the door closes.",
    ),
    "free": ("Deschide și eliberează", "Open and free"),
    "reason": ("Motiv", "Reason"),
    "out_of_service": ("Scoate din uz", "Take out of service"),
    "in_service": ("Repune în uz", "Put back in service"),
    "alerts": ("Alerte", "Alerts"),
    "alert_keypad_attack": (
        "Tastatura este atacată (PIN-uri greșite): se cer și ultimele 4 cifre ale telefonului",
        "Keypad under attack (wrong PINs): the phone's last 4 digits are required",
    ),
    "alert_security_fault": (
        "Ridicare offline respinsă (verificați dulapul)",
        "Offline pickup refused (check the locker)",
    ),
    "alert_fault": ("Defecțiune", "Fault"),
    "alert_command_timed_out": ("Comandă fără răspuns", "Command not answered"),
    "alert_malformed_event": ("Mesaj greșit de la dulap", "Malformed message from the locker"),
    "alert_offline": ("Dulap offline", "Locker offline"),
    "to_retrieve": ("De scos din dulap (termen depășit)", "To take back (deadline passed)"),
    "failed_sms": ("SMS netrimise", "Text messages not sent"),
    "nothing": ("Nimic de făcut.", "Nothing to do."),
    "forbidden": ("Nu aveți dreptul să vedeți această pagină.", "You may not see this page."),
}

# Drop-off at the locker (issue 14): the round and the checks of a collected file.
TEXT.update(
    {
        "to_collect": ("De ridicat din dulapuri", "To collect from the lockers"),
        "nothing_to_collect": ("Niciun dosar nu așteaptă în dulapuri.", "No file is waiting in the lockers."),
        "dropped_at": ("Depus la", "Dropped off at"),
        "hours_waiting": ("Ore de așteptare", "Hours waiting"),
        "take_out": ("Scoate din dulap", "Take out"),
        "door_opening": ("Ușa se deschide", "Door opening"),
        "door_opened": ("Compartimentul s-a deschis", "The compartment opened"),
        "door_opened_text": (
            "Compartimentul %s (cererea %s): scoateți dosarul și închideți ușa.",
            "Compartment %s (request %s): take the file out and close the door.",
        ),
        "dropoffs_waiting": ("Dosar în dulap de peste o zi lucrătoare", "File in a locker over a working day"),
        "dropoff_check": ("Dosarul depus la dulap", "The file dropped off at the locker"),
        "dropoff_check_hint": (
            "Comparați dosarul cu lista: bifate sunt documentele pe care solicitantul a spus că le-a pus în plic.",
            "Compare the file with the list: ticked are the documents the citizen said are in the envelope.",
        ),
        "in_envelope": ("în plic", "in the envelope"),
        "not_in_envelope": ("nu este în plic", "not in the envelope"),
        "still_in_locker": (
            "Dosarul este încă în dulap (%s, compartimentul %s).",
            "The file is still in the locker (%s, compartment %s).",
        ),
        "check_the_file": ("Verificați dosarul cu lista", "Check the file against the list"),
        "file_complete": ("Dosar complet", "File complete"),
        "file_confirmed": ("Dosarul a fost verificat: complet.", "The file was checked: complete."),
        "file_incomplete": ("Lipsesc documente", "Documents missing"),
        "compartment_empty": ("Compartimentul era gol", "The compartment was empty"),
    }
)

STATES = {
    "free": ("liber", "free"),
    "reserved": ("rezervat", "reserved"),
    "occupied": ("ocupat", "occupied"),
    "door_open": ("ușă deschisă", "door open"),
    "out_of_service": ("scos din uz", "out of service"),
}


def text(key: str, lang: str) -> str:
    ro, en = TEXT.get(key, (key, key))
    return en if lang == "en" else ro


def state_text(key: str, lang: str) -> str:
    ro, en = STATES.get(key, (key, key))
    return en if lang == "en" else ro
