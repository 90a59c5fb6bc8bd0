package com.acme.sync;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public class OrderSyncJob implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(OrderSyncJob.class);
    private final OrderRepository orders;
    private final PartnerClient partner;
    private volatile boolean running = true;

    public OrderSyncJob(OrderRepository orders, PartnerClient partner) {
        this.orders = orders;
        this.partner = partner;
    }

    @Override
    public void run() {
        while (running) { // expect: polling-fixed-interval, magic-interval
            try {
                List<Order> pending = orders.findTop100ByStatusOrderById("NEW");
                for (Order order : pending) { // expect: serial-blocking-io
                    partner.push(order);
                }
                Thread.sleep(30000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("sync pass failed", e);
            }
        }
    }

    public void closeAll(List<Order> done) {
        for (Order order : done) { // expect: write-per-row
            order.status = "CLOSED";
            orders.save(order);
        }
    }

    public void closeAllBatched(List<Order> done) {
        for (Order order : done) { // expect: none
            order.status = "CLOSED";
        }
        orders.saveAll(done);
    }
}
