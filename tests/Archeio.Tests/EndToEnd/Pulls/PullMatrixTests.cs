using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// Every client × every location × every image, pulled through the load balancer and Archeio: the pull
/// succeeds with the pushed digest, and every blob and manifest comes from the backend the routing promised: the
/// platform manifests of <c>bed/multi</c> by digest from the s3 mirror where the location's rule lists it.
/// </summary>
[Collection(PullBedDefinition.Name)]
public sealed class PullMatrixTests(PullTestBed bed)
{
    public static TheoryData<string, string, string> Matrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var client in PullClients.Names)
        {
            foreach (var location in PullTestBed.MatrixLocations)
            {
                foreach (var image in PullTestBed.ImageNames)
                {
                    data.Add(client, location.Name, image);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Pulls_through_Archeio_from_the_promised_backends(string client, string locationName, string imageName)
    {
        var location = PullTestBed.MatrixLocations.Single(l => l.Name == locationName);
        var image = bed.Images[imageName];
        var repository = PullTestBed.Repository(imageName);
        await bed.RecordAsync("pull", client, locationName, imageName, async () =>
        {
            var marks = bed.Mark();
            var pulled = await bed.Client(client).PullAsync($"{bed.LoadBalancer(location)}/{repository}:{PullTestBed.Tag}", CancellationToken.None);

            Assert.Equal(image.Digest, pulled.Digest);
            return await PullVerifier.VerifyAsync(
                bed, location, repository, PullVerifier.BlobsFetchedBy(client, image), marks, manifestsByDigest: PullVerifier.ChildManifestsFetchedBy(client, image));
        }, cleanup: async () =>
        {
            await bed.Client(client).ResetAsync();
        });
    }
}
