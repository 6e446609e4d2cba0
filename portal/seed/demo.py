"""A small, realistic demo world: five CETPROs, nine companies, some seventy students and their openings.

The demo coordinator's CETPRO (Arequipa) has a school's worth of students: several
programmes, students and graduates, a few who signed up by themselves and wait to be
verified. Two demo students tell the law of prácticas apart: `estudiante@demo.pe`
graduated four months ago (prácticas profesionales, not preprofesionales) and
`estudiante2@demo.pe` is still studying (prácticas preprofesionales, not profesionales).

Every demo account's email ends in ``@demo.pe``; that is how the command tells demo
users from real ones. Everything is drawn from ``random.Random(2026)`` so two runs on
an empty database build the same data (dates are relative to today).
"""
from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from portal import clock, links, places, vocab
from portal.accounts.registration import initial_alert
from portal.certificates.services import new_code
from portal.extensions import db
from portal.models import (
    Application,
    AuditEvent,
    Certificate,
    Cetpro,
    Company,
    CompanyEndorsement,
    CompanyMember,
    Convenio,
    FollowUp,
    Interview,
    InterviewSlot,
    Module,
    Nomination,
    Notification,
    Opening,
    OpeningReport,
    OpeningRequirement,
    Placement,
    Programme,
    StudentProfile,
    StudentSkill,
    User,
)
from portal.openings import legal
from portal.seed.common import (
    AVAILABILITY,
    add_months,
    current_rmv,
    email_local,
    mobile,
    normalize_skill,
    password_hash,
    person,
    ruc_from_body,
)

DEMO_DOMAIN = "@demo.pe"
ADMIN_EMAIL = "admin@demo.pe"
COORDINATOR_EMAIL = "coordinador@demo.pe"
EMPLOYER_EMAIL = "empresa@demo.pe"
STUDENT_EMAIL = "estudiante@demo.pe"
STUDENT2_EMAIL = "estudiante2@demo.pe"
DEMO_ACCOUNTS = (ADMIN_EMAIL, COORDINATOR_EMAIL, EMPLOYER_EMAIL, STUDENT_EMAIL, STUDENT2_EMAIL)


def _cohort(programme: str, statuses: str) -> tuple[tuple[str, str], ...]:
    """One (programme, status code) a student: `_cohort("Soldadura", "EEG")`."""
    return tuple((programme, code) for code in statuses)


# key, name, código modular, gestión, INEI district, student roster as (programme, status).
# Status codes: E estudiante, G egresado(a), T titulado(a); in lower case, someone who
# signed up on the portal a few days ago and waits for the CETPRO to verify them.
CETPROS: tuple[tuple[str, str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("arequipa", "CETPRO Técnico Industrial Misti", "0452381", "publica", "040112", (
        ("Electricidad", "G"),  # the demo student, estudiante@demo.pe
        ("Electricidad", "E"),  # the second demo student, estudiante2@demo.pe
        *_cohort("Electricidad", "EEEEGGGTTe"), *_cohort("Electrónica", "EEGT"),
        *_cohort("Soldadura", "EEGGTg"), *_cohort("Mecánica de producción", "EEGT"),
        *_cohort("Carpintería metálica", "EEG"), *_cohort("Mecánica automotriz", "EGGe"),
        *_cohort("Computación e informática", "EEGG"), *_cohort("Confección textil", "EGe"),
    )),
    ("huancayo", "CETPRO Santa Rosa de Huancayo", "0687215", "publica", "120114", (
        ("Confección textil", "G"), ("Confección textil", "E"),
        ("Operación de máquinas de confección", "G"), ("Operación de máquinas de confección", "E"),
        ("Tejido a máquina", "T"), ("Panadería y pastelería", "G"),
        ("Producción agropecuaria", "E"), ("Electricidad", "G"),
    )),
    ("lima", "CETPRO San Juan Bosco", "1138459", "privada", "150132", (
        ("Mecánica automotriz", "E"), ("Mecánica automotriz", "G"), ("Mecánica automotriz", "T"),
        ("Planchado y pintura automotriz", "E"), ("Mecánica de motocicletas", "G"),
        ("Computación e informática", "E"), ("Computación e informática", "T"),
        ("Ventas y atención al cliente", "G"), ("Cosmetología", "E"),
    )),
    ("cusco", "CETPRO Túpac Amaru", "0794632", "publica", "080108", (
        ("Cocina", "G"), ("Cocina", "E"), ("Servicio de restaurante y bar", "E"),
        ("Servicios de alojamiento", "T"), ("Tejido artesanal", "G"),
    )),
    ("piura", "CETPRO Técnico Industrial Miguel Grau", "0521746", "publica", "200104", (
        ("Producción agropecuaria", "G"), ("Producción agropecuaria", "E"),
        ("Procesamiento de frutas y hortalizas", "E"), ("Refrigeración y aire acondicionado", "G"),
        ("Carpintería metálica", "T"),
    )),
)
# The UGEL each demo CETPRO answers to (its students' district).
UGELS = {"arequipa": "UGEL Arequipa Sur", "huancayo": "UGEL Huancayo", "lima": "UGEL 05 San Juan de Lurigancho",
         "cusco": "UGEL Cusco", "piura": "UGEL Piura"}
STATUS_CODES = {"E": "estudiante", "G": "egresado", "T": "titulado"}
DEMO_STUDENTS = {0: ("Milagros", "Quispe Cáceres", STUDENT_EMAIL), 1: ("Luz", "Mamani Ccori", STUDENT2_EMAIL)}

# key, razón social, nombre comercial, sector, district, state, address, members.
COMPANIES = (
    ("elecsur", "Instalaciones Eléctricas del Sur S.A.C.", "Elecsur", "Instalaciones eléctricas y mantenimiento",
     "040104", "verified", "Av. Aviación 1250, Cerro Colorado", 2),
    ("metalandina", "Metalmecánica Andina S.A.C.", "Metalandina", "Metalmecánica",
     "040129", "verified", "Parque Industrial, calle 3 Mz. B Lt. 7", 2),
    ("mantaro", "Textiles Mantaro E.I.R.L.", "Textiles Mantaro", "Textil y confección",
     "120114", "verified", "Jr. Huancas 845, El Tambo", 1),
    ("lurigancho", "Automotriz Lurigancho S.A.C.", "AutoLurigancho", "Mantenimiento automotriz",
     "150132", "verified", "Av. Próceres de la Independencia 3120", 1),
    ("imperial", "Hotel Imperial Cusco S.A.C.", "Imperial Cusco", "Hotelería y turismo",
     "080108", "verified", "Av. de la Cultura 1420, Wanchaq", 2),
    ("agronorte", "Agroexportadora Piura Norte S.A.", "Piura Norte", "Agroexportación",
     "200114", "verified", "Carretera Piura–Chulucanas km 12", 1),
    ("panandes", "Panificadora Los Andes S.R.L.", "Panadería Los Andes", "Panificación",
     "120101", "unverified", "Calle Real 560, Huancayo", 1),
    ("rimacsoft", "Soluciones Informáticas Rímac S.A.C.", "Rímac Soft", "Servicios informáticos",
     "150101", "unverified", "Jr. Camaná 780, Cercado de Lima", 1),
    ("rapidos", "Inversiones y Empleos Rápidos S.A.C.", None, "Intermediación laboral",
     "150103", "rejected", "Av. Nicolás Ayllón 4410, Ate", 1),
)
REJECTED_NOTE = "El RUC figura como no habido en SUNAT y la dirección declarada no corresponde a un local de la empresa."

SKILLS = {
    "Electricidad": ("Lectura de planos eléctricos", "Trabajo en altura", "AutoCAD"),
    "Soldadura": ("Soldadura 3G", "Lectura de planos", "Trabajo en altura"),
    "Mecánica de producción": ("Lectura de planos", "Torno CNC"),
    "Carpintería metálica": ("Soldadura por arco", "Lectura de planos"),
    "Mecánica automotriz": ("Licencia de conducir A-I", "Escáner automotriz"),
    "Computación e informática": ("Excel intermedio", "Python", "Soporte técnico"),
    "Confección textil": ("Audaces", "Control de calidad textil"),
    "Cocina": ("Manipulación de alimentos", "Cocina novoandina"),
    "Servicios de alojamiento": ("Inglés intermedio", "Quechua"),
    "Servicio de restaurante y bar": ("Inglés básico", "Coctelería peruana"),
    "Producción agropecuaria": ("Riego por goteo", "Quechua"),
}
GENERIC_SKILLS = ("Trabajo en equipo", "Atención al público", "Excel básico", "Quechua")

MESSAGES = (
    "Tengo experiencia en trabajos parecidos y vivo cerca. Quedo atento(a) a su respuesta.",
    "Me interesa mucho aprender en su empresa. Tengo disponibilidad inmediata.",
    "Adjunto mi CV. Cuento con mis certificados modulares del CETPRO.",
    None,
)
NOMINATION_NOTES = (
    "Muy responsable y puntual en sus prácticas del CETPRO; aprobó todos los módulos del perfil.",
    "Destacó en el taller; lo (la) recomendamos para este puesto.",
    "Cumple los módulos que piden y vive cerca del local.",
)


def _o(company: str, title: str, kind: str, programme: str, state: str, pay: int, **extra) -> dict[str, Any]:
    spec = {
        "company": company, "title": title, "kind": kind, "programme": programme, "state": state,
        "pay": Decimal(pay), "hours": (8, 48), "vacancies": 1, "work_mode": "presencial",
        "accepted": (), "required": (), "desired": (), "required_skills": (), "desired_skills": (),
        "cetpros": (), "days": 0, "deadline": 20, "reason": None, "description": "",
    }
    spec.update(extra)
    return spec


# `days`: published that many days ago; `deadline`: days from today (negative: past).
OPENINGS = (
    _o("elecsur", "Técnico(a) electricista de instalaciones domiciliarias", "empleo", "Electricidad",
       "published", 1800, vacancies=3, required=(0,), desired=(1,), desired_skills=("Trabajo en altura",),
       days=12, deadline=18,
       description="Instalación y mantenimiento de circuitos en viviendas y locales comerciales de Arequipa. "
                   "Trabajo con supervisor; movilidad y EPP a cargo de la empresa. Planilla con beneficios de ley."),
    _o("elecsur", "Practicante profesional de electricidad industrial", "practicas_profesionales", "Electricidad",
       "published", 1130, accepted=("Electricidad", "Electrónica"), required=(1,), desired=(2,),
       cetpros=("arequipa",), days=6, deadline=24,
       description="Para egresados(as) de los últimos 12 meses. Apoyo en el montaje de tableros y el "
                   "mantenimiento de motores en plantas de nuestros clientes. Subvención mensual y seguro."),
    _o("elecsur", "Practicante preprofesional de instalaciones eléctricas", "practicas_preprofesionales",
       "Electricidad", "published", 800, hours=(4, 20), required=(0,), cetpros=("arequipa",), days=3,
       deadline=27,
       description="Para estudiantes: cuatro horas por la tarde, compatibles con tus clases. Aprenderás a "
                   "instalar tomacorrientes, luminarias y pozos a tierra junto a un técnico de la empresa."),
    _o("elecsur", "Ayudante electricista de tableros", "empleo", "Electricidad", "draft", 1300, required=(2,),
       description="Armado y cableado de tableros de distribución en nuestro taller de Cerro Colorado."),
    _o("elecsur", "Electricista para obra en Cerro Colorado", "empleo", "Electricidad", "filled", 2000,
       vacancies=2, required=(0, 1), days=230, deadline=-215,
       description="Instalaciones eléctricas de un conjunto habitacional de 120 viviendas. Contrato por obra."),
    _o("elecsur", "Técnico(a) en refrigeración comercial", "empleo", "Refrigeración y aire acondicionado",
       "closed", 1900, required=(2,), days=75, deadline=-45,
       description="Mantenimiento de cámaras frigoríficas y vitrinas en supermercados de Arequipa."),
    _o("metalandina", "Soldador(a) homologado(a) 3G", "empleo", "Soldadura", "published", 2500,
       vacancies=2, required=(1, 3), required_skills=("Soldadura 3G",), desired_skills=("Lectura de planos",),
       days=9, deadline=21,
       description="Soldadura de estructuras para la industria minera en planta. Se pide homologación 3G vigente."),
    _o("metalandina", "Electricista de mantenimiento de planta", "empleo", "Electricidad", "published", 2200,
       required=(1, 3), desired=(2,), days=15, deadline=10,
       description="Mantenimiento preventivo y correctivo de motores, tableros y redes de la planta. Turnos rotativos."),
    _o("metalandina", "Aprendiz de torno y fresadora", "aprendizaje_empresa", "Mecánica de producción",
       "published", 1130, accepted=("Mecánica de producción", "Soldadura"), required=(0,), desired=(2, 3),
       days=5, deadline=30,
       description="Aprendizaje con predominio en la empresa: aprenderás a tornear y fresar piezas con un maestro."),
    _o("metalandina", "Capacitación laboral juvenil en carpintería metálica", "capacitacion_juvenil",
       "Carpintería metálica", "published", 1130, required=(0,), days=20, deadline=8,
       description="Para jóvenes de 16 a 23 años: fabricación de puertas, rejas y estructuras livianas."),
    _o("metalandina", "Soldador(a) de estructuras metálicas", "empleo", "Soldadura", "expired", 2300,
       required=(1,), days=70, deadline=-12,
       description="Fabricación y montaje de estructuras metálicas para naves industriales."),
    _o("mantaro", "Operario(a) de máquina recta y remalladora", "empleo", "Operación de máquinas de confección",
       "published", 1300, vacancies=5, required=(0, 1), days=4, deadline=20,
       description="Confección de prendas de punto para exportación. Pago puntual, movilidad y refrigerio."),
    _o("mantaro", "Practicante profesional de diseño y patronaje", "practicas_profesionales", "Confección textil",
       "published", 1000, hours=(8, 40), work_mode="hibrido", required=(0,), desired_skills=("Audaces",),
       days=10, deadline=15,
       description="Apoyo al área de desarrollo de producto: fichas técnicas, patrones y escalado de tallas."),
    _o("mantaro", "Operario(a) de tejido a máquina", "empleo", "Tejido a máquina", "closed", 1250,
       required=(0,), days=90, deadline=-60,
       description="Tejido de chompas y chalinas en máquinas rectilíneas."),
    _o("lurigancho", "Mecánico(a) automotriz junior", "empleo", "Mecánica automotriz", "published", 1600,
       required=(0, 3), desired=(5,), desired_skills=("Licencia de conducir A-I",), days=8, deadline=22,
       description="Mantenimiento preventivo de flotas de mototaxis y autos livianos en San Juan de Lurigancho."),
    _o("lurigancho", "Practicante preprofesional de mecánica automotriz", "practicas_preprofesionales",
       "Mecánica automotriz", "published", 1130, hours=(6, 30), required=(0,), cetpros=("lima",), days=2,
       deadline=28,
       description="Seis horas diarias de lunes a viernes en nuestro taller, con un mecánico a cargo."),
    _o("lurigancho", "Pasantía en taller de planchado y pintura", "pasantia", "Planchado y pintura automotriz",
       "published", 760, hours=(4, 20), required=(1,), days=7, deadline=14,
       description="Pasantía de tres meses: preparación de superficies, masillado y pintura al horno."),
    _o("lurigancho", "Asesor(a) de ventas de repuestos", "empleo", "Ventas y atención al cliente", "published",
       1350, required=(0,), desired=(3,), days=11, deadline=19,
       description="Atención en mostrador y ventas por WhatsApp de repuestos para autos y motos."),
    _o("lurigancho", "Mecánico(a) de motos a comisión", "empleo", "Mecánica de motocicletas", "suspended", 1130,
       required=(0,), days=40, deadline=5,
       reason="Suspendida por la coordinación del CETPRO San Juan Bosco: no se pudo confirmar la remuneración ofrecida.",
       description="Reparación de motos lineales y mototaxis. Pago según servicios realizados."),
    _o("imperial", "Ayudante de cocina", "empleo", "Cocina", "published", 1200, vacancies=2,
       required=(0, 1), desired=(2,), days=6, deadline=16,
       description="Cocina del restaurante del hotel: mise en place, cocina peruana y novoandina. Alimentación incluida."),
    _o("imperial", "Recepcionista con inglés", "empleo", "Servicios de alojamiento", "published", 1500,
       required=(0,), required_skills=("Inglés intermedio",), desired_skills=("Quechua",), days=13,
       deadline=12,
       description="Registro de huéspedes, reservas y atención en recepción. Turnos rotativos."),
    _o("imperial", "Desarrollador(a) web junior para reservas en línea", "empleo", "Computación e informática",
       "published", 2000, work_mode="remoto", required=(1,), desired=(3,), desired_skills=("Python",),
       days=5, deadline=25,
       description="Mantenimiento del sitio web del hotel y de su motor de reservas. Trabajo remoto desde cualquier región."),
    _o("imperial", "Practicante preprofesional de restaurante y bar", "practicas_preprofesionales",
       "Servicio de restaurante y bar", "expired", 950, hours=(5, 25), required=(0,), days=60, deadline=-20,
       description="Atención al comensal y montaje de mesas en el restaurante del hotel, cinco horas diarias."),
    _o("imperial", "Mozo(a) para temporada alta", "empleo", "Servicio de restaurante y bar", "filled", 1250,
       required=(0, 1), days=420, deadline=-405,
       description="Temporada alta de junio a agosto: atención en restaurante y bar del hotel."),
    _o("agronorte", "Técnico(a) de riego tecnificado", "empleo", "Producción agropecuaria", "published", 1800,
       required=(3,), desired=(2,), desired_skills=("Riego por goteo",), days=14, deadline=20,
       description="Operación y mantenimiento del sistema de riego por goteo en 300 ha de mango y uva."),
    _o("agronorte", "Operario(a) de planta de procesamiento de mango", "empleo",
       "Procesamiento de frutas y hortalizas", "published", 1250, vacancies=10, desired=(2,), days=3,
       deadline=25,
       description="Campaña de mango: selección, lavado, corte y deshidratado. Movilidad desde Piura."),
    _o("agronorte", "Capacitación laboral juvenil en refrigeración industrial", "capacitacion_juvenil",
       "Refrigeración y aire acondicionado", "published", 1130, required=(0,), days=9, deadline=21,
       description="Para jóvenes de 16 a 23 años: mantenimiento de cámaras de frío de la planta."),
    _o("agronorte", "Aprendiz de laboratorio de control de calidad", "aprendizaje_empresa",
       "Operaciones de laboratorio químico", "draft", 1130, required=(0,),
       description="Análisis de calidad de fruta fresca y procesada."),
    _o("panandes", "Maestro(a) panadero(a)", "empleo", "Panadería y pastelería", "draft", 1600, required=(0,),
       description="Producción de pan tradicional y de molde desde las 4 a. m."),
    _o("rimacsoft", "Técnico(a) de soporte y ensamblaje de computadoras", "empleo",
       "Ensamblaje y mantenimiento de computadoras", "draft", 1500, work_mode="hibrido", required=(0, 2),
       description="Soporte a usuarios de nuestros clientes y ensamblaje de equipos."),
)


def demo_exists() -> bool:
    """True when any of the demo accounts is already there."""
    return db.session.scalar(select(func.count()).where(User.email.in_(DEMO_ACCOUNTS))) > 0


def other_user_count() -> int:
    """Users that the demo did not create."""
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.email.not_like(f"%{DEMO_DOMAIN}"))
    ) or 0


class DemoBuilder:
    """Builds the demo world in one transaction; `run()` returns what it created."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        # Certificates draw from their own stream, so adding them changed nothing else.
        self.certificate_rng = random.Random(f"{seed}-certificates")
        self.certificate_numbers: Counter[int] = Counter()
        self.today = clock.today()
        self.now = clock.utcnow().replace(microsecond=0)
        self.hash = password_hash()
        self.rmv = current_rmv()
        self.emails: set[str] = set()
        self.programmes = {
            p.name: p for p in db.session.scalars(select(Programme))
        }
        self.modules = {
            pid: list(ms) for pid, ms in _modules_by_programme().items()
        }
        self.taken_dni = set(db.session.scalars(select(StudentProfile.document_number)))
        self.taken_ruc = set(db.session.scalars(select(Company.ruc)))
        self.taken_codes = set(db.session.scalars(select(Cetpro.codigo_modular)))
        self.cetpros: dict[str, Cetpro] = {}
        self.coordinators: dict[str, User] = {}
        self.companies: dict[str, Company] = {}
        self.employers: dict[str, list[User]] = {}
        self.students: list[StudentProfile] = []
        self.openings: list[Opening] = []
        self.applications: list[Application] = []
        self.counts: Counter[str] = Counter()

    # --- helpers -------------------------------------------------------------------

    def _at(self, day: date, hour: int | None = None) -> datetime:
        return datetime.combine(day, time(hour if hour is not None else self.rng.randint(8, 19),
                                          self.rng.randint(0, 59)))

    def _email(self, first: str, last: str) -> str:
        base = f"{email_local(first.split()[0])}.{email_local(last.split()[0])}"
        email, n = f"{base}{DEMO_DOMAIN}", 2
        while email in self.emails:
            email, n = f"{base}{n}{DEMO_DOMAIN}", n + 1
        self.emails.add(email)
        return email

    def _user(self, role: str, first: str, last: str, email: str | None = None, **fields) -> User:
        email = email or self._email(first, last)
        self.emails.add(email)
        created = fields.pop("created_at", self.now - timedelta(days=self.rng.randint(30, 400)))
        user = User(email=email, password_hash=self.hash, role=role, first_names=first, last_names=last,
                    phone=fields.pop("phone", mobile(self.rng)), created_at=created, email_confirmed_at=created,
                    **fields)
        db.session.add(user)
        self.counts["users"] += 1
        return user

    def _dni(self) -> str:
        while True:
            number = str(self.rng.randint(40_000_000, 79_999_999))
            if number not in self.taken_dni:
                self.taken_dni.add(number)
                return number

    def _ruc(self) -> str:
        while True:
            ruc = ruc_from_body(self.rng.randrange(10_000_000, 60_000_000))
            if ruc not in self.taken_ruc:
                self.taken_ruc.add(ruc)
                return ruc

    def _codigo(self, wanted: str) -> str:
        code = wanted
        while code in self.taken_codes:
            code = f"{self.rng.randrange(100_000, 2_000_000):07d}"
        self.taken_codes.add(code)
        return code

    # --- stages --------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self.admin = self._user("admin", "Lucía", "Cárdenas Paredes", ADMIN_EMAIL)
        self._cetpros()
        self._companies()
        self._students()
        self._reach()
        self._openings()
        self._applications()
        self._interviews()
        self._nominations()
        self._placements()
        self._convenios()
        self._report()
        self._notifications()
        self._history()
        db.session.commit()
        return self.summary()

    def _cetpros(self) -> None:
        for index, (key, name, code, management, district, roster) in enumerate(CETPROS):
            cetpro = Cetpro(name=name, codigo_modular=self._codigo(code), management=management,
                            department_code=district[:2], province_code=district[:4], district_code=district,
                            ugel=UGELS.get(key, ""), created_at=self.now - timedelta(days=500),
                            programmes=[self.programmes[p] for p in dict.fromkeys(p for p, _ in roster)])
            db.session.add(cetpro)
            db.session.flush()
            self.cetpros[key] = cetpro
            if index == 0:
                coordinator = self._user("coordinator", "Rosa", "Huamán Valdivia", COORDINATOR_EMAIL,
                                         cetpro_id=cetpro.id)
            else:
                first, last, _sex = person(self.rng)
                coordinator = self._user("coordinator", first, last, cetpro_id=cetpro.id)
            self.coordinators[key] = coordinator
        db.session.flush()
        self.counts["cetpros"] = len(self.cetpros)

    def _companies(self) -> None:
        for key, legal_name, trade, sector, district, state, address, members in COMPANIES:
            company = Company(
                ruc=self._ruc(), legal_name=legal_name, trade_name=trade, sector=sector,
                department_code=district[:2], province_code=district[:4], district_code=district,
                address=address, phone=mobile(self.rng), verification_state=state,
                website=f"https://www.{email_local(trade or legal_name).replace('.', '')}.pe" if trade else None,
                description=f"{trade or legal_name}: {sector.lower()} en {places.name(district[:4])}.",
                created_at=self.now - timedelta(days=self.rng.randint(200, 450)),
            )
            if state == "verified":
                # Elecsur was verified by the Arequipa coordinator, through its convenio.
                verifier = self.coordinators["arequipa"] if key == "elecsur" else self.admin
                company.verified_by_id = verifier.id
                company.verified_at = company.created_at + timedelta(days=2)
                company.decided_by_admin = verifier.role == "admin"
                if verifier.role == "coordinator":  # "Verificada por CETPRO …": its CETPRO's statement
                    company.endorsements = [CompanyEndorsement(
                        cetpro_id=verifier.cetpro_id, state="verified", decided_by_id=verifier.id,
                        decided_at=company.verified_at)]
            elif state == "rejected":
                company.verification_note = REJECTED_NOTE
                company.decided_by_admin = True
            db.session.add(company)
            self.companies[key] = company
            self.employers[key] = []
            for n in range(members):
                if key == "elecsur" and n == 0:
                    user = self._user("employer", "Patricia", "Salas Zevallos", EMPLOYER_EMAIL)
                else:
                    first, last, _sex = person(self.rng)
                    user = self._user("employer", first, last)
                db.session.add(CompanyMember(company=company, user=user, state="active", is_owner=n == 0))
                self.employers[key].append(user)
                self.counts["company_members"] += 1
        db.session.flush()
        self.counts["companies"] = len(self.companies)

    def _students(self) -> None:
        rng = self.rng
        for key, _name, _code, _management, district, roster in CETPROS:
            cetpro = self.cetpros[key]
            districts = [code for code, _ in places.districts(district[:4])]
            for index, (programme_name, status_code) in enumerate(roster):
                programme = self.programmes[programme_name]
                modules = self.modules[programme.id]
                status = STATUS_CODES[status_code.upper()]
                signed_up = status_code.islower()
                demo = DEMO_STUDENTS.get(index) if key == "arequipa" else None
                if demo:
                    first, last, email = demo
                else:
                    first, last, _sex = person(rng)
                    email = None
                graduation = None
                if status == "egresado":
                    graduation = self.today - timedelta(days=rng.randint(45, 330))
                elif status == "titulado":
                    graduation = self.today - timedelta(days=rng.randint(300, 900))
                if demo and status == "egresado":
                    graduation = add_months(self.today, -4)
                    certified = modules[:3]
                elif demo:
                    certified = modules[:2]  # the first is what the preprofesional opening requires
                elif status == "estudiante":
                    certified = modules[: rng.randint(1, max(1, len(modules) - 2))]
                else:
                    certified = modules if rng.random() < 0.6 else rng.sample(modules, len(modules) - 1)
                verification = "verified"
                note = None
                extra = {}
                if signed_up:
                    verification = "pending"
                    extra["created_at"] = self.now - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 12))
                elif not demo and rng.random() < 0.12:
                    verification = "pending"
                elif not demo and key == "lima" and index == 8:
                    verification = "rejected"
                    note = "El DNI no figura en el registro de matrícula del CETPRO."
                user = self._user("student", first, last, email, **extra)
                profile = StudentProfile(
                    user=user, cetpro_id=cetpro.id, programme_id=programme.id, level=programme.level,
                    status=status, graduation_date=graduation, document_type="dni",
                    document_number=self._dni(),
                    birth_date=self.today - timedelta(days=rng.randint(18 * 365, 34 * 365)),
                    department_code=district[:2], province_code=district[:4],
                    district_code=rng.choice(districts),
                    availability=rng.choice(AVAILABILITY),
                    open_to_offers=bool(demo) or rng.random() > 0.14,
                    verification_state=verification, verification_note=note,
                )
                profile.modules = list(certified)
                pool = tuple(dict.fromkeys(SKILLS.get(programme_name, ()) + GENERIC_SKILLS))
                names = ["Lectura de planos eléctricos", "Trabajo en altura"] if demo else \
                    rng.sample(pool, rng.randint(0, 3))
                if demo and status == "estudiante":
                    names = ["Trabajo en equipo", "Excel básico"]
                profile.skills = [StudentSkill(name=n, normalized=normalize_skill(n)) for n in names]
                self.counts["student_modules"] += len(certified)
                self.counts["student_skills"] += len(names)
                db.session.add(profile)
                self.students.append(profile)
        db.session.flush()
        self.student, self.student2 = self.students[0], self.students[1]
        self.counts["students"] = len(self.students)

    def _reach(self) -> None:
        """What a real sign-up and a coordinator's registry give the two demo students: the
        weekly job alert every new student starts with (her programme in her province), and,
        for the egresada, the certificados modulares her CETPRO registered for the modules she
        completed (so the profile, the pipeline and /verificar/<code> show certified ones):
        two in force and one revoked (a mistyped number), the third module left declared."""
        coordinator = self.coordinators["arequipa"]
        for profile in (self.student, self.student2):
            db.session.add(initial_alert(profile, profile.programme))
            self.counts["alerts"] += 1
        year = self.student.graduation_date.year
        for number, module in enumerate(self.student.modules[:2], start=1):
            self._certificate(self.student, module, f"{number:04d}-{year}", self.student.graduation_date,
                              coordinator)
        revoked = self._certificate(self.student, self.student.modules[2], f"0003-{year}",
                                    self.student.graduation_date, coordinator)
        revoked.state, revoked.revoked_by_id = "revocado", coordinator.id
        revoked.revoked_at = datetime.combine(self.student.graduation_date + timedelta(days=9), time(11, 20))
        revoked.revoke_reason = "Número de registro mal escrito: el CETPRO emitirá un certificado corregido."
        self._certified_others()
        db.session.flush()

    def _certificate(self, profile: StudentProfile, module: Module, number: str, issued_on: date,
                     coordinator: User) -> Certificate:
        certificate = Certificate(code=new_code(self.certificate_rng), student_id=profile.id, module_id=module.id,
                                  cetpro_id=profile.cetpro_id, number=number, issued_on=issued_on,
                                  recorded_by_id=coordinator.id, state="vigente")
        db.session.add(certificate)
        self.counts["certificates"] += 1
        return certificate

    def _certified_others(self) -> None:
        """Some other verified graduates' CETPROs registered certificates for part of the
        modules they declared, so candidates and Recomendados show certified beside declared
        (and rank them above). Drawn from a random stream of their own: the rest of the demo
        stays as it was."""
        rng = self.certificate_rng
        for profile in self.students[2:]:
            if profile.status == "estudiante" or profile.verification_state != "verified" or rng.random() >= 0.4:
                continue
            declared = list(profile.modules)
            cetpro_key = next(key for key, cetpro in self.cetpros.items() if cetpro.id == profile.cetpro_id)
            for module in rng.sample(declared, rng.randint(1, len(declared))) if declared else ():
                self.certificate_numbers[profile.cetpro_id] += 1
                number = f"{self.certificate_numbers[profile.cetpro_id]:04d}-{profile.graduation_date.year}"
                self._certificate(profile, module, f"C{number}", profile.graduation_date,
                                  self.coordinators[cetpro_key])

    def _openings(self) -> None:
        rng = self.rng
        for spec in OPENINGS:
            company = self.companies[spec["company"]]
            programme = self.programmes[spec["programme"]]
            modules = self.modules[programme.id]
            kind, state = spec["kind"], spec["state"]
            per_day, per_week = (Decimal(h) for h in spec["hours"])
            problems = legal.check(kind, per_day, per_week, spec["pay"], self.rmv)
            if problems:
                raise ValueError(f"Oferta de demostración «{spec['title']}»: {problems[0].message}")
            if state != "draft" and company.verification_state != "verified":
                raise ValueError(f"«{spec['title']}»: solo una empresa verificada publica ofertas.")
            deadline = self.today + timedelta(days=spec["deadline"])
            published = None if state == "draft" else self._at(self.today - timedelta(days=spec["days"]))
            closed = None
            if state in ("closed", "filled"):
                closed = self._at(deadline + timedelta(days=1))
            start = (closed.date() + timedelta(days=7)) if closed else deadline + timedelta(days=rng.randint(7, 15))
            district = company.district_code
            opening = Opening(
                company_id=company.id, created_by_id=self.employers[spec["company"]][0].id,
                title=spec["title"], description=spec["description"], kind=kind,
                family_id=programme.family_id, department_code=district[:2], province_code=district[:4],
                district_code=district, work_mode=spec["work_mode"], hours_per_day=per_day,
                hours_per_week=per_week, pay_monthly=spec["pay"], vacancies=spec["vacancies"],
                start_date=start, deadline=deadline, targets_all_cetpros=not spec["cetpros"], state=state,
                state_reason=spec["reason"], published_at=published, closed_at=closed,
                created_at=(published or self.now) - timedelta(days=rng.randint(0, 3)),
            )
            opening.programmes = [self.programmes[name] for name in spec["accepted"]]
            opening.cetpros = [self.cetpros[key] for key in spec["cetpros"]]
            for required, indexes in ((True, spec["required"]), (False, spec["desired"])):
                for i in indexes:
                    opening.requirements.append(OpeningRequirement(module_id=modules[i].id, required=required))
            for required, names in ((True, spec["required_skills"]), (False, spec["desired_skills"])):
                for name in names:
                    opening.requirements.append(
                        OpeningRequirement(skill=name, skill_normalized=normalize_skill(name), required=required))
            self.counts["opening_requirements"] += len(opening.requirements)
            db.session.add(opening)
            self.openings.append(opening)
        db.session.flush()
        self.counts["openings"] = len(self.openings)

    def _eligible(self, opening: Opening, spec: dict) -> list[StudentProfile]:
        """Students who could sensibly apply: right trade, legal condition, nearest first."""
        accepted = {self.programmes[n].id for n in spec["accepted"]}
        out = []
        for student in self.students:
            programme = self.programmes_by_id[student.programme_id]
            if programme.family_id != opening.family_id and student.programme_id not in accepted:
                continue
            if opening.kind == "practicas_preprofesionales" and student.status != "estudiante":
                continue
            if opening.kind == "practicas_profesionales" and (
                student.graduation_date is None or student.graduation_date < self.today - timedelta(days=365)
            ):
                continue
            out.append(student)
        self.rng.shuffle(out)  # not always the same few students
        out.sort(key=lambda s: s.department_code != opening.department_code)
        return out

    def _apply(self, opening: Opening, student: StudentProfile, state: str, reason: str | None = None) -> None:
        rng = self.rng
        start = opening.published_at
        end = min(self.now, opening.closed_at or self.now,
                  self._at(opening.deadline, 18) if opening.deadline else self.now)
        # A fraction of the window, not randint over it: the draw must not depend on the clock.
        created = start + (end - start) * rng.uniform(0.05, 1.0)
        created = created.replace(microsecond=0)
        viewed = None
        if state != "received" and not (state == "withdrawn" and rng.random() < 0.5):
            viewed = created + timedelta(hours=rng.randint(2, 48))
        changed = (viewed or created) + timedelta(hours=rng.randint(1, 72)) if state not in ("received",) else created
        if state == "rejected" and reason is None:
            reason = rng.choice(["profile_mismatch", "missing_modules", "schedule", "location"])
        application = Application(
            opening_id=opening.id, student_id=student.id, state=state, message=rng.choice(MESSAGES),
            rejection_reason=reason if state == "rejected" else None,
            viewed_at=viewed, state_changed_at=min(changed, self.now), created_at=created,
        )
        db.session.add(application)
        self.applications.append(application)
        self.applied.add((opening.id, student.id))

    def _interviews(self) -> None:
        """The demo student's finalist application has an interview proposed (three slots to
        pick from on /estudiante/entrevistas/…), and another Elecsur applicant in review a
        confirmed one, so the employer's week page has a row."""
        employer = db.session.scalar(select(User).where(User.email == EMPLOYER_EMAIL))
        today = self.now.replace(tzinfo=UTC).astimezone(clock.LIMA).date()

        def at(days: int, hour: int) -> tuple[datetime, datetime]:
            local = datetime.combine(today + timedelta(days=days), time(hour), clock.LIMA)
            starts = local.astimezone(UTC).replace(tzinfo=None)
            return starts, starts + timedelta(minutes=30)

        elecsur = {o.id for o in self.openings if o.company_id == self.companies["elecsur"].id}
        mine = next(a for a in self.applications if a.student_id == self.student.id and a.state == "finalist")
        proposed = Interview(application=mine, proposed_by=employer, mode="direccion",
                             place="Av. Ejército 710, Yanahuara, Arequipa (oficina 3)",
                             note="Trae tu DNI y tus certificados modulares.", state="proposed", created_at=self.now,
                             slots=[InterviewSlot(starts_at=s, ends_at=e) for s, e in (at(2, 10), at(2, 15), at(3, 9))])
        other = next((a for a in self.applications if a.opening_id in elecsur and a.state == "in_review"
                      and a.student_id not in (self.student.id, self.student2.id)), None)
        db.session.add(proposed)
        if other is not None:
            starts, ends = at(1, 11)
            db.session.add(Interview(application=other, proposed_by=employer, mode="videollamada",
                                     place="https://meet.jit.si/elecsur-entrevista", state="confirmed",
                                     starts_at=starts, ends_at=ends, created_at=self.now,
                                     slots=[InterviewSlot(starts_at=starts, ends_at=ends)]))
        db.session.flush()
        self.counts["interviews"] = 2 if other is not None else 1

    def _applications(self) -> None:
        rng = self.rng
        self.programmes_by_id = {p.id: p for p in self.programmes.values()}
        self.applied: set[tuple[int, int]] = set()
        by_title = {o.title: o for o in self.openings}
        self.spec_of = {o.id: spec for o, spec in zip(self.openings, OPENINGS, strict=True)}
        # The demo student's own applications, one in each of four states.
        for title, state, reason in (
            ("Técnico(a) electricista de instalaciones domiciliarias", "in_review", None),
            ("Practicante profesional de electricidad industrial", "finalist", None),
            ("Electricista de mantenimiento de planta", "received", None),
            ("Técnico(a) en refrigeración comercial", "rejected", "process_finished"),
        ):
            self._apply(by_title[title], self.student, state, reason)
        # The current student applied once, and may still take the preprofesional opening for her.
        self._apply(by_title["Técnico(a) electricista de instalaciones domiciliarias"], self.student2, "viewed")
        published_states = ["received"] * 5 + ["viewed"] * 4 + ["in_review"] * 3 + ["finalist"] * 2 + \
            ["rejected"] * 2 + ["withdrawn"]
        hired_in_published = by_title["Técnico(a) electricista de instalaciones domiciliarias"]
        for opening in self.openings:
            if opening.state == "draft":
                continue
            spec = self.spec_of[opening.id]
            # The demo students keep just the applications above: a story that is easy to follow.
            pool = [s for s in self._eligible(opening, spec)
                    if (opening.id, s.id) not in self.applied and s not in (self.student, self.student2)]
            wanted = rng.randint(3, 6) if opening.state == "published" else rng.randint(2, 4)
            chosen = pool[:wanted]
            hired = 0
            for student in chosen:
                if opening.state == "published":
                    state = rng.choice(published_states)
                    if opening is hired_in_published and hired == 0 and student.status != "estudiante":
                        state, hired = "hired", 1
                    self._apply(opening, student, state)
                elif opening.state == "filled":
                    if hired < opening.vacancies:
                        self._apply(opening, student, "hired")
                        hired += 1
                    else:
                        self._apply(opening, student, "rejected", "position_filled")
                elif opening.state == "closed":
                    if rng.random() < 0.2:
                        self._apply(opening, student, "withdrawn")
                    else:
                        self._apply(opening, student, "rejected", "process_finished")
                elif opening.state == "expired":
                    self._apply(opening, student, rng.choice(["received", "viewed", "rejected"]))
                else:
                    self._apply(opening, student, "received")
        # Every state shows up at least once, whatever the draw gave.
        seen = {a.state for a in self.applications}
        spare = [a for a in self.applications if a.state == "received"
                 and a.student_id not in (self.student.id, self.student2.id)
                 and self._opening(a).state == "published"]
        for state in vocab.APPLICATION_STATES:
            if state not in seen and spare:
                application = spare.pop()
                application.state = state
                application.viewed_at = application.created_at + timedelta(hours=5)
                application.state_changed_at = min(self.now, application.viewed_at + timedelta(hours=20))
                if state == "rejected":
                    application.rejection_reason = "profile_mismatch"
        db.session.flush()
        self.counts["applications"] = len(self.applications)

    def _opening(self, application: Application) -> Opening:
        return next(o for o in self.openings if o.id == application.opening_id)

    def _nominations(self) -> None:
        rng = self.rng
        by_title = {o.title: o for o in self.openings}
        plan = (
            ("Técnico(a) electricista de instalaciones domiciliarias", "arequipa", True),
            ("Practicante profesional de electricidad industrial", "arequipa", False),
            ("Soldador(a) homologado(a) 3G", "arequipa", False),
            ("Mecánico(a) automotriz junior", "lima", False),
            ("Ayudante de cocina", "cusco", True),
        )
        for title, key, invited in plan:
            opening = by_title[title]
            cetpro = self.cetpros[key]
            pool = [s for s in self._eligible(opening, self.spec_of[opening.id])
                    if s.cetpro_id == cetpro.id and s not in (self.student, self.student2) and s.open_to_offers
                    and s.verification_state == "verified"]
            # Prefer someone who has not applied yet: that is what a nomination is for.
            pool.sort(key=lambda s: (opening.id, s.id) in self.applied)
            if not pool:
                continue
            created = opening.published_at + timedelta(days=1, hours=rng.randint(1, 30))
            db.session.add(Nomination(
                opening_id=opening.id, student_id=pool[0].id, cetpro_id=cetpro.id,
                nominated_by_id=self.coordinators[key].id, note=rng.choice(NOMINATION_NOTES),
                invited_at=created + timedelta(hours=20) if invited else None, created_at=created,
            ))
            self.counts["nominations"] += 1
        db.session.flush()

    def _follow_ups(self, placement: Placement, coordinator: User) -> None:
        rng = self.rng
        for months in vocab.FOLLOW_UP_MONTHS:
            due = add_months(placement.start_date, months)
            if due > self.today:
                break
            follow_up = FollowUp(placement=placement, months=months, due_date=due, created_at=self._at(due, 7),
                                 emailed_at=self._at(due, 9))
            if due <= self.today - timedelta(days=21):
                answer = rng.choices(list(vocab.FOLLOW_UP_ANSWERS), weights=(7, 2, 1))[0]
                follow_up.answer = answer
                follow_up.current_employer = (
                    placement.employer_name if answer == "still_there"
                    else "Taller de un familiar" if answer == "elsewhere" else None)
                follow_up.answered_at = self._at(due + timedelta(days=rng.randint(1, 10)))
                follow_up.answered_by_id = coordinator.id
            db.session.add(follow_up)
            self.counts["follow_ups"] += 1

    def _placements(self) -> None:
        by_student = {s.id: s for s in self.students}
        cetpro_key = {c.id: k for k, c in self.cetpros.items()}
        for application in self.applications:
            if application.state != "hired":
                continue
            opening = self._opening(application)
            company = next(c for c in self.companies.values() if c.id == opening.company_id)
            student = by_student[application.student_id]
            placement = Placement(
                student_id=student.id, cetpro_id=student.cetpro_id, application_id=application.id,
                company_id=company.id, employer_name=company.display_name, employer_ruc=company.ruc,
                job_title=opening.title, kind=opening.kind, source="portal", start_date=opening.start_date,
                pay_min=opening.pay_monthly, pay_max=opening.pay_monthly,
                department_code=opening.department_code,
                created_at=application.state_changed_at,
            )
            db.session.add(placement)
            self.counts["placements"] += 1
            self._follow_ups(placement, self.coordinators[cetpro_key[student.cetpro_id]])
        # Work found outside the portal, recorded by the coordinator: most of a real school's placements.
        manual = (
            ("arequipa", "Soldadura", "Ferretería y Soldaduras El Misti E.I.R.L.", "Soldador de mantenimiento",
             190, Decimal("1600")),
            ("arequipa", "Electricidad", "Consorcio Eléctrico Chili S.A.C.", "Electricista de obra", 300,
             Decimal("1500")),
            ("arequipa", "Mecánica automotriz", "Servicentro Characato E.I.R.L.", "Mecánico de mantenimiento",
             240, Decimal("1400")),
            ("arequipa", "Computación e informática", "Cooperativa de Ahorro y Crédito Misti",
             "Asistente de soporte técnico", 150, Decimal("1500")),
            ("arequipa", "Mecánica de producción", "Fundición y Maestranza Arequipa S.A.C.", "Tornero", 100,
             Decimal("1700")),
            ("arequipa", "Electrónica", "Sonido y Luces del Sur E.I.R.L.", "Técnico(a) en electrónica", 60,
             Decimal("1300")),
            ("arequipa", "Confección textil", "Alpaca Textil del Sur S.A.C.", "Operaria de confección", 400,
             Decimal("1250")),
            ("cusco", "Cocina", "Restaurante Tunupa S.A.C.", "Cocinero de línea", 120, Decimal("1400")),
        )
        placed = {a.student_id for a in self.applications if a.state == "hired"} | {self.student.id, self.student2.id}
        for key, programme_name, employer, job, days_ago, pay in manual:
            programme_id = self.programmes[programme_name].id
            start = self.today - timedelta(days=days_ago)
            graduates = [s for s in self.students if s.cetpro_id == self.cetpros[key].id
                         and s.programme_id == programme_id and s.status != "estudiante" and s.id not in placed]
            # Someone who had graduated by the start date, if the roster has one.
            student = min(graduates, key=lambda s: (s.graduation_date > start, s.id))
            placed.add(student.id)
            placement = Placement(
                student_id=student.id, cetpro_id=student.cetpro_id, employer_name=employer,
                employer_ruc=self._ruc(), job_title=job, kind="empleo", source="manual", start_date=start,
                pay_min=pay, pay_max=pay + 200, department_code=self.cetpros[key].department_code,
                recorded_by_id=self.coordinators[key].id, created_at=self._at(start + timedelta(days=10)),
            )
            db.session.add(placement)
            self.counts["placements"] += 1
            self._follow_ups(placement, self.coordinators[key])
        db.session.flush()

    def _convenios(self) -> None:
        plan = (
            ("arequipa", "elecsur", "practicas", "active", "cetpro", -330, 20, 6),
            ("arequipa", "metalandina", "marco", "active", "company", -700, 400, None),
            ("huancayo", "mantaro", "efsrt", "proposed", "company", 15, 380, 4),
            ("lima", "lurigancho", "practicas", "proposed", "cetpro", 10, 375, 3),
        )
        for key, company, kind, state, by, start, end, seats in plan:
            start_date = self.today + timedelta(days=start)
            db.session.add(Convenio(
                cetpro_id=self.cetpros[key].id, company_id=self.companies[company].id, kind=kind, state=state,
                proposed_by=by, start_date=start_date, end_date=self.today + timedelta(days=end),
                places_per_term=seats,
                notes="Prácticas y EFSRT para estudiantes del último módulo." if kind != "marco" else
                "Cooperación en formación, actualización docente y uso de talleres.",
                accepted_at=self._at(start_date - timedelta(days=5)) if state == "active" else None,
                created_at=self._at(min(start_date, self.today) - timedelta(days=12)),
            ))
            self.counts["convenios"] += 1
        db.session.flush()

    def _report(self) -> None:
        self.report_at = self.now - timedelta(days=1)
        opening = next(o for o in self.openings if o.title == "Asesor(a) de ventas de repuestos")
        reporter = next(s for s in self.students if s.cetpro_id == self.cetpros["lima"].id)
        self.report = OpeningReport(
            opening_id=opening.id, reporter_id=reporter.user_id, reason="charges_fee",
            details="Al llamar me pidieron S/ 50 para el examen médico antes de la entrevista.",
            created_at=self.report_at,
        )
        db.session.add(self.report)
        db.session.flush()
        self.counts["opening_reports"] += 1

    def _notifications(self) -> None:
        """Each notification dated by the event it tells of, and stored in time order: the
        page lists them newest first by id, so an id order that is not the time order shows
        "hace 2 horas" under "hace 3 días"."""
        rows = []  # (created_at, user id, kind, message, url, read)
        for application in self.applications:
            if application.student_id != self.student.id:
                continue
            opening = self._opening(application)
            label = vocab.APPLICATION_STATES[application.state]
            rows.append((application.state_changed_at, self.student.user_id, "application-updated",
                         f"Tu postulación a «{opening.title}» está en estado: {label}.",
                         links.path("students.applications"), application.state == "rejected"))
        employer = self.employers["elecsur"][0]
        for application in self.applications:
            opening = self._opening(application)
            if opening.company_id == self.companies["elecsur"].id and application.state == "received":
                student = next(s for s in self.students if s.id == application.student_id)
                rows.append((application.created_at, employer.id, "application-received",
                             f"Nueva postulación de {student.user.full_name} a «{opening.title}».",
                             links.path("employers.pipeline", opening_id=opening.id), False))
        coordinator = self.coordinators["arequipa"]
        rows.append((self._at(self.today - timedelta(days=1), 12), coordinator.id, "convenio-ending",
                     "El convenio de prácticas con Elecsur vence en 20 días.", links.path("coordinators.convenios"),
                     False))
        pending = [s for s in self.students if s.cetpro_id == self.cetpros["arequipa"].id
                   and s.verification_state == "pending"]
        if pending:
            rows.append((max(s.user.created_at for s in pending), coordinator.id, "student-registered",
                         f"{len(pending)} estudiante(s) esperan verificación.", links.path("coordinators.roster"),
                         False))
        rows.append((self.report_at, self.admin.id, "report-received",
                     "Nueva denuncia sobre la oferta «Asesor(a) de ventas de repuestos».",
                     links.path("admin.opening_report", report_id=self.report.id), False))
        rows.sort(key=lambda row: row[0])
        for created, user_id, kind, message, url, read in rows:
            created = min(created, self.now)
            db.session.add(Notification(user_id=user_id, kind=kind, message=message, url=url,
                                        read_at=min(created + timedelta(hours=1), self.now) if read else None,
                                        created_at=created))
            self.counts["notifications"] += 1
        db.session.flush()

    def _history(self) -> None:
        """The audit trail of what the demo shows, each event dated when it happened and
        stored in time order (/admin/auditoria and the coordinator's trail list it newest
        first): the CETPROs and their coordinators, the companies and their verification,
        the openings published, every application and its last move, the placements and
        the report. A trail that starts empty would hide those pages from a first visit."""
        events = []  # (when, actor id, action, object type, object id, data)

        def event(when, actor, action, obj, **data):
            events.append((min(when, self.now), actor.id if actor else None, action, type(obj).__name__, obj.id,
                           data or None))

        for key, cetpro in self.cetpros.items():
            event(cetpro.created_at, self.admin, "cetpro.created", cetpro, codigo_modular=cetpro.codigo_modular)
            coordinator = self.coordinators[key]
            event(coordinator.created_at, self.admin, "coordinator.created", coordinator, cetpro_id=cetpro.id)
        for key, company in self.companies.items():
            owner = self.employers[key][0]
            event(company.created_at, owner, "company.created", company, ruc=company.ruc)
            if company.verification_state == "verified":
                verifier = db.session.get(User, company.verified_by_id)
                event(company.verified_at, verifier, "company.verified", company)
            elif company.verification_state == "rejected":
                event(company.created_at + timedelta(days=3), self.admin, "company.rejected", company,
                      note=company.verification_note)
        for opening in self.openings:
            author = db.session.get(User, opening.created_by_id)
            event(opening.created_at, author, "opening.created", opening)
            if opening.published_at:
                event(opening.published_at, author, "opening.published", opening)
        students = {s.id: s for s in self.students}
        for application in self.applications:
            opening = self._opening(application)
            event(application.created_at, students[application.student_id].user, "application.created",
                  application, opening_id=opening.id)
            if application.state == "withdrawn":
                event(application.state_changed_at, students[application.student_id].user,
                      "application.withdrawn", application)
            elif application.state != "received":
                mover = self.employers[next(k for k, c in self.companies.items() if c.id == opening.company_id)][0]
                event(application.state_changed_at, mover, f"application.{application.state}", application,
                      **({"reason": application.rejection_reason} if application.rejection_reason else {}))
        for placement in db.session.scalars(select(Placement).where(Placement.source == "manual")):
            event(placement.created_at, db.session.get(User, placement.recorded_by_id), "placement.recorded",
                  placement, student_id=placement.student_id)
        reporter = db.session.get(User, self.report.reporter_id)
        event(self.report.created_at, reporter, "opening.reported", db.session.get(Opening, self.report.opening_id),
              report=self.report.id, reason=self.report.reason)
        events.sort(key=lambda row: row[0])
        db.session.add_all(AuditEvent(created_at=when, actor_id=actor_id, action=action, object_type=kind,
                                      object_id=object_id, data=data)
                           for when, actor_id, action, kind, object_id, data in events)
        self.counts["audit_events"] = len(events)
        db.session.flush()

    def summary(self) -> dict[str, Any]:
        openings = Counter(o.state for o in self.openings)
        companies = Counter(c.verification_state for c in self.companies.values())
        applications = Counter(a.state for a in self.applications)
        return {
            "counts": dict(self.counts),
            "openings_by_state": dict(openings),
            "openings_by_kind": dict(Counter(o.kind for o in self.openings)),
            "companies_by_state": dict(companies),
            "applications_by_state": dict(applications),
            "accounts": [
                (ADMIN_EMAIL, "Administración", "Lucía Cárdenas Paredes"),
                (COORDINATOR_EMAIL, "Coordinación", self.cetpros["arequipa"].name),
                (EMPLOYER_EMAIL, "Empresa", self.companies["elecsur"].display_name),
                (STUDENT_EMAIL, "Estudiante", f"Milagros Quispe Cáceres, egresada de Electricidad "
                                              f"({self.cetpros['arequipa'].name})"),
                (STUDENT2_EMAIL, "Estudiante", "Luz Mamani Ccori, estudiante de Electricidad del mismo CETPRO "
                                               "(puede postular a prácticas preprofesionales)"),
            ],
        }


def _modules_by_programme() -> dict[int, list[Module]]:
    grouped: dict[int, list[Module]] = {}
    for module in db.session.scalars(select(Module).order_by(Module.programme_id, Module.position)):
        grouped.setdefault(module.programme_id, []).append(module)
    return grouped


def build_demo() -> dict[str, Any]:
    """Create the demo world (the caller checks that it is wanted) and return a summary."""
    return DemoBuilder().run()
