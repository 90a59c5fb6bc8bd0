package com.acme.sync;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class PartnerClient {
    private final HttpClient http = HttpClient.newHttpClient();

    public void push(Order order) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://partner.example.com/orders/" + order.id))
                .POST(HttpRequest.BodyPublishers.ofString(order.status))
                .build();
            http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
