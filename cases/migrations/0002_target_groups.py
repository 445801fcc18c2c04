"""The 26 PMKS categories of Permensos 8/2012, in their official numbering and Indonesian names."""

from django.db import migrations

TARGET_GROUPS = [
    (1, "Anak Balita Telantar"),
    (2, "Anak Telantar"),
    (3, "Anak yang Berhadapan dengan Hukum"),
    (4, "Anak Jalanan"),
    (5, "Anak dengan Kedisabilitasan"),
    (6, "Anak yang Menjadi Korban Tindak Kekerasan atau Diperlakukan Salah"),
    (7, "Anak yang Memerlukan Perlindungan Khusus"),
    (8, "Lanjut Usia Telantar"),
    (9, "Penyandang Disabilitas"),
    (10, "Tuna Susila"),
    (11, "Gelandangan"),
    (12, "Pengemis"),
    (13, "Pemulung"),
    (14, "Kelompok Minoritas"),
    (15, "Bekas Warga Binaan Lembaga Pemasyarakatan (BWBLP)"),
    (16, "Orang dengan HIV/AIDS (ODHA)"),
    (17, "Korban Penyalahgunaan NAPZA"),
    (18, "Korban Trafficking"),
    (19, "Korban Tindak Kekerasan"),
    (20, "Pekerja Migran Bermasalah Sosial"),
    (21, "Korban Bencana Alam"),
    (22, "Korban Bencana Sosial"),
    (23, "Perempuan Rawan Sosial Ekonomi"),
    (24, "Fakir Miskin"),
    (25, "Keluarga Bermasalah Sosial Psikologis"),
    (26, "Komunitas Adat Terpencil"),
]


def load(apps, schema_editor):
    TargetGroup = apps.get_model("cases", "TargetGroup")
    for code, name in TARGET_GROUPS:
        TargetGroup.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
