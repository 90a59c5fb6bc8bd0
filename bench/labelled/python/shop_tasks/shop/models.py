from django.db import models


class Customer(models.Model):
    email = models.EmailField()
    wants_digest = models.BooleanField(default=False)


class Preference(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE)
    language = models.CharField(max_length=8)


class Invoice(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    status = models.CharField(max_length=16)
    ref = models.CharField(max_length=32, unique=True)
