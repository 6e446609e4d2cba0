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
