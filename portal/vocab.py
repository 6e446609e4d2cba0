"""Codes stored in the database and the Spanish words people read for them.

Each mapping's keys are the allowed values of a column (enforced by a CHECK
constraint in the models); its values are what the interface shows.
"""

ROLES = {
    "student": "Estudiante",
    "employer": "Empresa",
    "coordinator": "Coordinador(a)",
    "admin": "Administrador(a)",
}

LEVELS = {
    "auxiliar_tecnico": "Auxiliar Técnico",  # formerly ciclo básico
    "tecnico": "Técnico",  # formerly ciclo medio
}

# A certificado modular recorded by its CETPRO: in force, or revoked (kept, never deleted).
CERTIFICATE_STATES = {
    "vigente": "Vigente",
    "revocado": "Revocado",
}
# Optional, for the seguimiento breakdown DREs report; never shown to employers, never read by
# matching (tests/privacy/test_sex_field.py).
SEXES = {"femenino": "Femenino", "masculino": "Masculino", "prefiero_no_decir": "Prefiero no decir"}

# The generated CV (portal/profiles/generated_cv.py): what a student adds as experience, and
# which CV employers see when she has uploaded one.
CV_EXPERIENCE_KINDS = {
    "empleo": "Empleo",
    "practica": "Práctica",
    "independiente": "Trabajo independiente",
}
CV_SHOWN = {"subido": "El CV que subí (PDF)", "generado": "El CV generado con mi perfil"}

STUDENT_STATUSES = {
    "estudiante": "Estudiante",
    "egresado": "Egresado(a)",
    "titulado": "Titulado(a)",
}

DOCUMENT_TYPES = {"dni": "DNI", "ce": "Carné de extranjería"}

CETPRO_MANAGEMENT = {"publica": "Pública", "privada": "Privada"}

VERIFICATION_STATES = {
    "unverified": "Sin verificar",
    "verified": "Verificada",
    "rejected": "Rechazada",
}

# A CETPRO's statement about a company (CompanyEndorsement.state).
ENDORSEMENT_STATES = {
    "verified": "Verificada",
    "rejected": "Rechazada",
}

STUDENT_VERIFICATION_STATES = {
    "pending": "Pendiente de verificación",
    "verified": "Verificado(a)",
    "rejected": "Rechazado(a)",
}

MEMBERSHIP_STATES = {"pending": "Pendiente", "active": "Activo"}
# An emailed invitation to join a company: waiting, taken by its addressee, or revoked by an owner.
INVITATION_STATES = {"pending": "Pendiente", "accepted": "Aceptada", "revoked": "Anulada"}

# Ley 28518, modalidades formativas laborales, plus plain employment.
OPENING_KINDS = {
    "empleo": "Empleo",
    "aprendizaje_empresa": "Aprendizaje con predominio en la empresa",
    "practicas_preprofesionales": "Prácticas preprofesionales",
    "practicas_profesionales": "Prácticas profesionales",
    "capacitacion_juvenil": "Capacitación laboral juvenil",
    "pasantia": "Pasantía",
}
FORMATIVE_KINDS = tuple(k for k in OPENING_KINDS if k != "empleo")

ALERT_FREQUENCIES = {"inmediata": "Apenas se publiquen", "diaria": "Resumen diario",
                     "semanal": "Resumen semanal (lunes)"}

# Webhooks (portal/webhooks/, docs/API.md «Webhooks»): the events a CETPRO may subscribe to,
# and the states of one delivery.
WEBHOOK_EVENTS = {
    "application.hired": "Una empresa seleccionó a uno de tus estudiantes",
    "placement.created": "Se registró una colocación de uno de tus estudiantes",
    "followup.answered": "Se respondió un seguimiento de uno de tus egresados",
    "opening.published": "Se publicó una oferta para tu CETPRO o tus familias productivas",
}
WEBHOOK_DELIVERY_STATES = {"pending": "En cola", "delivered": "Entregado", "failed": "Fallido"}

WORK_MODES = {"presencial": "Presencial", "remoto": "Remoto", "hibrido": "Híbrido"}

OPENING_STATES = {
    "draft": "Borrador",
    "published": "Publicada",
    "closed": "Cerrada",
    "filled": "Cubierta",
    "expired": "Vencida",
    "suspended": "Suspendida",
}

APPLICATION_STATES = {
    "received": "Recibida",
    "viewed": "Vista",
    "in_review": "En evaluación",
    "finalist": "Finalista",
    "hired": "Seleccionado/a",
    "rejected": "Descartado/a",
    "withdrawn": "Retirada",
}

REJECTION_REASONS = {
    "profile_mismatch": "El perfil no se ajusta a lo que buscamos",
    "missing_modules": "Faltan módulos o habilidades requeridas",
    "schedule": "El horario o la disponibilidad no coinciden",
    "location": "La ubicación no es conveniente",
    "position_filled": "La vacante ya fue cubierta",
    "process_finished": "Proceso finalizado",
    "other": "Otro motivo",
    # Given by the portal, never chosen by an employer (applications.states.SYSTEM_REASONS).
    "opening_suspended": "Oferta suspendida",
    "opening_expired": "La empresa no decidió a tiempo",
}

# A placement's outcome category (NACE first-destination style). "practica" carries its Ley 28518
# modality in the placement's `kind`; the others keep kind "empleo" (no modality).
PLACEMENT_OUTCOMES = {
    "empleo_dependiente": "Empleo dependiente",
    "independiente": "Trabajo independiente / emprendimiento",
    "practica": "Práctica (modalidad formativa)",
    "estudios": "Estudios",
    "buscando": "Buscando empleo",
    "sin_informacion": "Sin información",
}
# Outcomes that are work (an employer or an activity is named); the rest need no employer.
WORKING_OUTCOMES = ("empleo_dependiente", "independiente", "practica")
# What a follow-up can say the graduate does now (never "sin información": she answered).
FOLLOW_UP_OUTCOMES = {k: v for k, v in PLACEMENT_OUTCOMES.items() if k != "sin_informacion"}

PLACEMENT_SOURCES = {"portal": "Postulación en el portal", "manual": "Registrada por el CETPRO"}

FOLLOW_UP_MONTHS = (3, 6, 12)
FOLLOW_UP_ANSWERS = {
    "still_there": "Sigue trabajando allí",
    "elsewhere": "Trabaja en otro lugar",
    "not_working": "No está trabajando",
}

CONVENIO_KINDS = {"marco": "Convenio marco", "practicas": "Convenio de prácticas", "efsrt": "EFSRT"}
CONVENIO_STATES = {
    "proposed": "Propuesto",
    "active": "Vigente",
    "rejected": "No aceptado",
    "ended": "Finalizado",
}
CONVENIO_PARTIES = {"cetpro": "CETPRO", "company": "Empresa"}

REPORT_REASONS = {
    "charges_fee": "Pide dinero o cobra por postular",
    "fake": "Parece falsa o engañosa",
    "illegal_pay": "Paga menos de lo legal",
    "discrimination": "Es discriminatoria",
    "other": "Otro motivo",
}

# How a report on an opening was settled; a report without one is open.
REPORT_OUTCOMES = {
    "dismissed": "Descartada",
    "acted": "Atendida con una medida",
}
# The queue's state filter: open, or one of the outcomes.
REPORT_STATES = {"open": "Abiertas", "dismissed": "Descartadas", "acted": "Con medida"}

# Why a suspended opening is suspended.
SUSPENSION_SOURCES = {
    "staff": "Suspendida por moderación",
    "automatic": "Suspendida automáticamente, pendiente de revisión",
    "company": "Suspendida con su empresa",
}

# The audit trail (portal/audit.py): actions in readable Spanish; one without a label is shown by its code.
AUDIT_ACTIONS = {
    "account.email_confirmed": "Confirmó su correo",
    "account.purged_unconfirmed": "Cuenta sin confirmar eliminada",
    "admin.created": "Cuenta de administración creada",
    "coordinator.created": "Cuenta de coordinación creada",
    "password.reset_requested": "Pidió cambiar su contraseña",
    "password.reset": "Cambió su contraseña",
    "user.deactivated": "Cuenta desactivada",
    # Written before a coordinator's deactivation became the accounts' own (2026-12): kept so
    # those events still read in Spanish.
    "coordinator.deactivated": "Coordinador(a) desactivado(a)",
    "coordinator.reactivated": "Coordinador(a) reactivado(a)",
    "user.reactivated": "Cuenta reactivada",
    "user.confirmation_resent": "Enlace de confirmación reenviado",
    "user.password_reset_sent": "Enlace para cambiar la contraseña enviado",
    "student.registered": "Estudiante registrado(a)",
    "student.invitation_accepted": "Estudiante eligió su contraseña",
    "student.verified": "Estudiante verificado(a)",
    "student.rejected": "Estudiante no verificado(a)",
    "student.profile_updated": "Perfil de estudiante actualizado",
    "student.verification_reopened": "Estudiante volvió a «Por verificar»",
    "student.cv_uploaded": "CV subido",
    "student.cv_removed": "CV quitado",
    "roster.exported": "Lista de estudiantes exportada",
    "roster.import_checked": "Archivo de estudiantes revisado",
    "roster.imported": "Estudiantes importados",
    "company.created": "Empresa registrada",
    "company.join_requested": "Pidió unirse a la empresa",
    "company.profile_updated": "Perfil de empresa actualizado",
    "company.logo_reencoded": "Logo convertido",
    "company.logo_removed": "Logo quitado",
    "company.verified": "Empresa verificada",
    "company.rejected": "Verificación de empresa rechazada",
    "company.member_invited": "Colega invitado(a)",
    "company.member_joined": "Colega se unió",
    "company.member_accepted": "Solicitud de colega aceptada",
    "company.member_declined": "Solicitud de colega rechazada",
    "company.member_removed": "Colega retirado(a)",
    "company.invitation_revoked": "Invitación anulada",
    "employer.registered_by_invitation": "Cuenta de empresa creada por invitación",
    "opening.created": "Oferta creada",
    "opening.updated": "Oferta editada",
    "opening.published": "Oferta publicada",
    "opening.duplicated": "Oferta duplicada",
    "opening.deleted": "Borrador eliminado",
    "opening.closed": "Oferta cerrada",
    "opening.filled": "Oferta cubierta",
    "opening.expired": "Oferta vencida",
    "opening.suspended": "Oferta suspendida",
    "opening.reported": "Oferta reportada",
    "opening.invited": "Estudiante invitado(a) a postular",
    "application.created": "Postulación enviada",
    "application.withdrawn": "Postulación retirada",
    "application.notes": "Notas de la postulación",
    **{f"application.{state}": f"Postulación: {label}" for state, label in APPLICATION_STATES.items()},
    "nomination.created": "Estudiante nominado(a)",
    "placement.recorded": "Colocación registrada",
    "placement.agreement": "Acuerdo de la colocación registrado",
    "certificate.recorded": "Certificado modular registrado",
    "certificate.revoked": "Certificado modular revocado",
    "follow_up.answered": "Seguimiento respondido",
    "convenio.proposed": "Convenio propuesto",
    "convenio.accepted": "Convenio aceptado",
    "convenio.declined": "Convenio rechazado",
    "convenio.pdf": "PDF del convenio subido",
    "outbox.retry": "Correo puesto en cola otra vez",
    # Written by the other parts of platform administration (issue 16).
    "cetpro.created": "CETPRO creado",
    "cetpro.updated": "CETPRO editado",
    "cetpro.deactivated": "CETPRO desactivado",
    "cetpro.reactivated": "CETPRO reactivado",
    "cetpro.coordinator_invited": "Coordinador(a) invitado(a)",
    "cetpro.coordinator_invitation_resent": "Invitación de coordinación reenviada",
    "cetpro.coordinator_invitation_revoked": "Invitación de coordinación anulada",
    "cetpro.coordinator_joined": "Coordinador(a) aceptó la invitación",
    "catalogue.family_added": "Familia productiva agregada",
    "catalogue.programme_added": "Programa de estudios agregado",
    "catalogue.module_added": "Módulo formativo agregado",
    "catalogue.module_moved": "Módulo formativo reordenado",
    "catalogue.programme_merged": "Programas de estudios unidos",
    "catalogue.module_merged": "Módulos formativos unidos",
    "catalogue.skill_merged": "Habilidades unidas",
    "rmv.added": "RMV agregada",
    "rmv.corrected": "RMV corregida",
    "rmv.withdrawn": "RMV retirada",
    "opening.reinstated": "Oferta publicada otra vez",
    "opening.suspension_confirmed": "Suspensión de oferta confirmada",
    "opening_report.dismissed": "Denuncia descartada",
    "company.suspended": "Empresa suspendida",
    "company.reinstated": "Empresa rehabilitada",
    "account.data_exported": "Descargó sus datos",
    "account.deletion_requested": "Pidió eliminar su cuenta",
    "account.deletion_cancelled": "Canceló la eliminación de su cuenta",
    "account.erased": "Cuenta eliminada",
    # The API (/api/v1) and its tokens (portal/apitokens, portal/api).
    "api_token.created": "Token de API creado",
    "api_token.revoked": "Token de API revocado",
    "api.called": "Llamada a la API",
    "roster.synced": "Estudiantes sincronizados por la API",
}

# What the objects are, in Spanish; a type without a label is shown by its name.
AUDIT_OBJECTS = {
    "User": "Cuenta",
    "StudentProfile": "Estudiante",
    "Cetpro": "CETPRO",
    "Company": "Empresa",
    "Opening": "Oferta",
    "OpeningReport": "Denuncia",
    "Application": "Postulación",
    "Nomination": "Nominación",
    "Placement": "Colocación",
    "Certificate": "Certificado modular",
    "FollowUp": "Seguimiento",
    "Convenio": "Convenio",
    "OutboxEmail": "Correo",
    "Family": "Familia productiva",
    "Programme": "Programa de estudios",
    "Module": "Módulo formativo",
    "RmvRate": "RMV",
    "WebhookEndpoint": "Webhook",
    "ApiToken": "Token de API",
}

# --- Interviews (portal/interviews/) ----------------------------------------------------
# Where an interview happens; `place` holds the address, the phone number or the link.
INTERVIEW_MODES = {
    "direccion": "En persona (dirección)",
    "llamada": "Llamada telefónica",
    "videollamada": "Videollamada",
}
INTERVIEW_PLACE_LABELS = {"direccion": "Dirección", "llamada": "Teléfono", "videollamada": "Enlace"}
# proposed → confirmed (she picked a slot) / reschedule (she asked for another time) /
# cancelled (with a reason) ; confirmed → done (the employer recorded whether she came).
INTERVIEW_STATES = {
    "proposed": "Propuesta",
    "confirmed": "Confirmada",
    "reschedule": "Reprogramación pedida",
    "cancelled": "Cancelada",
    "done": "Realizada",
}
INTERVIEW_OPEN_STATES = ("proposed", "confirmed", "reschedule")

# What an API token may do (portal/apitokens): each operation of /api/v1 names the scope it needs.
API_SCOPES = {
    "roster:write": "Sincronizar estudiantes (crear y actualizar por DNI o carné de extranjería)",
    "roster:read": "Leer los estudiantes del CETPRO y el estado de sus postulaciones",
    "placements:read": "Leer las colocaciones y sus seguimientos",
    "openings:read": "Leer las ofertas publicadas (también sin token)",
}
# How long a new token lasts, in days (the choices of the form).
API_TOKEN_DAYS = {30: "30 días", 90: "90 días", 180: "180 días", 365: "1 año"}
