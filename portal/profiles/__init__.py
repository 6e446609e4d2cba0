"""A student's trade profile: programme, certified modules, skills, place, CV, verification."""
