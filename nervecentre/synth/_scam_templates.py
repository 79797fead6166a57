"""Campaign templates for synthetic sextortion complaints, and the benign mail among them.

A template is a list of slots, each with alternative phrasings; a campaign fixes its own
choice per slot and each message drifts from it now and then, as real campaigns mutate.
Placeholders: {name} {email} {password} {amount} {inr} {btc} {eth} {ltc} {trx} {xmr} {upi}
{phone} {onion_url} {contact} {url} {hours} {date}.
"""

from __future__ import annotations

Template = tuple[tuple[str, ...], ...]

BTC_WEBCAM: Template = (
    ("Hello {name},", "Hi {name}!", "Greetings {name}.", "Dear {name},"),
    (
        "I have some bad news for you. I hacked your device a few months ago and I recorded "
        "you via webcam while you watched adult videos.",
        "Your account {email} was compromised. I installed a trojan on your computer and "
        "recorded you through your webcam.",
        "I am a programmer and I got access to your operating system. Your webcam recorded "
        "everything you did on adult sites.",
    ),
    (
        "I made a split-screen video: your face on one side and the video on the other.",
        "I have the video of you and the list of all your contacts, friends and colleagues.",
        "The recording is ready to be sent to everyone in your address book.",
    ),
    (
        "Send {amount} in Bitcoin to my wallet: {btc}",
        "Pay {amount} to this BTC address: {btc}",
        "Transfer {amount} (in bitcoin) to the following address:\n{btc}",
    ),
    (
        "You have {hours} hours. I get a notification when you open this e-mail.",
        "The timer started when you read this message: {hours} hours.",
        "Do not reply, this mailbox is not monitored. You have {hours} hours.",
    ),
    (
        "If I don't get the payment, the video goes to all your contacts.",
        "After payment I will delete the video and you will never hear from me again.",
        "Do not go to the police, they cannot help you.",
    ),
)

BTC_PASSWORD: Template = (
    ("{name}, I know {password} is your password.", "Your password is {password}. Surprised?"),
    (
        "I got it from a leaked database and used it to log into your mail {email}.",
        "This is the password you use on {email}, and on many other sites.",
    ),
    (
        "I have recorded a video of you through your camera. Pay {amount} in Bitcoin.",
        "I will send your browsing history to your family unless you pay {amount} in BTC.",
    ),
    ("BTC address: {btc}", "My bitcoin wallet is {btc}", "Wallet: {btc} (copy it exactly)"),
    ("If you prefer, pay in USDT on Tron: {trx}", "Or send Ethereum: {eth}", ""),
    ("You have {hours} hours from now.", "Deadline: {hours} hours.", "Time is running."),
)

UPI_VIDEOCALL: Template = (
    ("Hello {name}", "{name} ji", "Listen {name}"),
    (
        "Your video call recording is with us. We will upload it to YouTube and send it to "
        "your family.",
        "We have your nude video call recording. Everyone in your contact list will get it.",
    ),
    (
        "Pay Rs {inr} now on UPI {upi} to delete it.",
        "Send {inr} rupees to {upi} immediately.",
        "Google Pay / PhonePe {inr} to {upi}.",
    ),
    (
        "WhatsApp {phone} after payment with the screenshot.",
        "Call {phone} for the video deletion.",
        "Contact on WhatsApp: {phone}",
    ),
    ("Time: 1 hour only.", "Don't be smart, we know your address.", ""),
)

UPI_VIDEOCALL_HI: Template = (
    ("नमस्ते {name}", "{name} जी", "सुनो {name}"),
    (
        "तुम्हारी वीडियो कॉल की रिकॉर्डिंग हमारे पास है। हम इसे तुम्हारे परिवार को भेज देंगे।",
        "तुम्हारा न्यूड वीडियो हमारे पास है, सबको भेज देंगे।",
    ),
    ("अभी {inr} रुपये UPI {upi} पर भेजो।", "{upi} पर तुरंत ₹{inr} भेजो।"),
    ("पेमेंट के बाद व्हाट्सएप करो: {phone}", "कॉल करो {phone}"),
    ("सिर्फ एक घंटा है।", "पुलिस के पास गए तो वीडियो वायरल होगा।", ""),
)

UPI_VIDEOCALL_MR: Template = (
    ("नमस्कार {name}", "{name} साहेब", "ऐका {name}"),
    (
        "तुमच्या व्हिडिओ कॉलचे रेकॉर्डिंग आमच्याकडे आहे. ते तुमच्या कुटुंबाला पाठवू.",
        "तुमचा व्हिडिओ सगळ्यांना पाठवला जाईल.",
    ),
    ("लगेच {inr} रुपये UPI {upi} वर पाठवा.", "{upi} वर ₹{inr} भरा."),
    ("पैसे भरल्यावर व्हॉट्सॲप करा: {phone}", "फोन करा {phone}"),
    ("फक्त एक तास आहे.", ""),
)

DARKNET: Template = (
    ("Attention {name}.", "To {name}:", "{name},"),
    (
        "Your files and private photos are published on our darknet channel {onion_url}",
        "We leaked your data on a hidden service: {onion_url}",
    ),
    (
        "To remove them, pay {amount} in Monero to {xmr}",
        "The removal fee is {amount}. XMR only: {xmr}",
        "Pay {amount} in Litecoin: {ltc}",
    ),
    (
        "Contact us at {contact} with your payment id.",
        "Write to {contact} after payment.",
        "Proof of payment to {contact}.",
    ),
    ("Mirror for the public: {url}", "Telegram: {url}", ""),
)

SCAM_TEMPLATES: dict[str, tuple[Template, str]] = {
    "btc_webcam": (BTC_WEBCAM, "en"),
    "btc_password": (BTC_PASSWORD, "en"),
    "upi_videocall": (UPI_VIDEOCALL, "en"),
    "upi_videocall_hi": (UPI_VIDEOCALL_HI, "hi"),
    "upi_videocall_mr": (UPI_VIDEOCALL_MR, "mr"),
    "darknet": (DARKNET, "en"),
}

# Benign mail full of look-alikes: hashes, transaction ids, commit ids, invoice numbers.
BENIGN: tuple[str, ...] = (
    "Hi team,\nThe release build is up. Commit {sha1} ({sha1short}) fixes the login bug.\n"
    "SHA-256 of the installer: {sha256}\nMD5: {md5}\nRegards,\n{name}",
    "Dear customer,\nInvoice No. {invoice} for order ID {order} is attached.\n"
    "Amount due: Rs. {inr}. Ref: {ref}\nThank you for shopping with us.",
    "Your withdrawal is complete.\nTransaction hash: {txhash}\nBlock: {block}\n"
    "TxID 0x{txhash}\nNetwork fee: 0.00021 BTC",
    "Build #{build} passed.\nMerged {sha1short}..{sha1short2} into main.\n"
    "Docker image digest: sha256:{sha256}\nArtifact checksum {md5}",
    "{name}, the file you asked for:\nsha1 {sha1}\nsha256 {sha256}\n"
    "Please verify before opening. Ticket #{order}.",
    "Payment received. UTR {utr}. Transaction ID {order}. Keep this for your records.\n"
    "Do not share your OTP {otp} with anyone.",
)

FILLER: tuple[str, ...] = (
    "Please do not forward this message.",
    "This is an automated notice.",
    "Sent from my phone.",
    "Regards,",
    "Thanks and regards,",
)

COMPLAINT_INTRO: tuple[str, ...] = (
    "Sir, I received the message below. Please help, I am scared. My number is {victim_phone}.",
    "Respected officer, forwarding this threat mail for your action. Contact: {victim_phone}",
    "I got this today. Kindly register my complaint. Mobile {victim_phone}",
)
