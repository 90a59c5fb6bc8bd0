package com.acme.sync;

public class Order {
    public Long id;
    public Long customerId;
    public String status;
}
